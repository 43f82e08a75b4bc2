/* A fixture of ofiuco's tests: this extension does not compile for aarch64. */
#include <Python.h>

#if defined(__aarch64__)
#error "failbuild: _speedups.c has no aarch64 port"
#endif

static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(42); }

static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, methods};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
