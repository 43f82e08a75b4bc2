from setuptools import Extension, setup

setup(
    packages=["failbuild"],
    ext_modules=[Extension("failbuild._speedups", ["failbuild/_speedups.c"])],
)
