"""The AWS Lambda Python runtimes: Python version -> glibc ceiling of its OS."""

LAMBDA_RUNTIMES = {
    "3.10": "glibc_2_26",  # Amazon Linux 2
    "3.11": "glibc_2_26",  # Amazon Linux 2
    "3.12": "glibc_2_34",  # Amazon Linux 2023
    "3.13": "glibc_2_34",  # Amazon Linux 2023
    "3.14": "glibc_2_34",  # Amazon Linux 2023
}
