"""An AWS Batch worker: validates its job with pydantic, computes with numpy."""

import json
import os
import platform

import numpy as np
from pydantic import BaseModel


class Job(BaseModel):
    name: str
    size: int = 1000


def main() -> None:
    job = Job.model_validate_json(os.environ.get("JOB", '{"name": "demo"}'))
    x = np.arange(job.size, dtype=np.int64)
    result = {
        "job": job.name,
        "machine": platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sum_of_squares": int(np.dot(x, x)),
    }
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
