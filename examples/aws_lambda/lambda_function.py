"""An AWS Lambda handler that uses packages with native code."""

import json

import numpy as np
import shapely
from pydantic import BaseModel
from shapely.geometry import Point


class Disc(BaseModel):
    x: float
    y: float
    radius: float


def handler(event, context):
    disc = Disc.model_validate(event)
    area = Point(disc.x, disc.y).buffer(disc.radius, quad_segs=64).area
    samples = np.linspace(0.0, disc.radius, num=5)

    import boto3  # provided by the Lambda runtime, left out of the zip

    return {
        "statusCode": 200,
        "body": json.dumps(
            {
                "area": round(area, 2),
                "samples": samples.tolist(),
                "versions": {
                    "numpy": np.__version__,
                    "shapely": shapely.__version__,
                    "boto3": boto3.__version__,
                },
            }
        ),
    }
