from setuptools import Extension, setup

setup(ext_modules=[Extension("cxxpkg._words", ["src/cxxpkg/_words.cpp"], language="c++")])
