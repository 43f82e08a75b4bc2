"""Benchmark C3's handler: imports every package of the 25-package set."""

import json

import attrs
import click
import cryptography
import dateutil
import jinja2
import numpy
import PIL
import pydantic
import pytz
import requests
import shapely
import yaml


def handler(event, context):
    modules = [
        attrs,
        click,
        cryptography,
        dateutil,
        jinja2,
        numpy,
        PIL,
        pydantic,
        pytz,
        requests,
        shapely,
        yaml,
    ]
    return {
        "statusCode": 200,
        "body": json.dumps({m.__name__: getattr(m, "__version__", "") for m in modules}),
    }
