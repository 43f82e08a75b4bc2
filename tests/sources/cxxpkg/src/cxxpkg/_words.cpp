// The C++ standard library at work: strings, vectors, streams, sort, and an
// exception thrown by libc++ and caught here (libc++abi and the unwinder).
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

static PyObject *sort_words(PyObject *, PyObject *args) {
    const char *text;
    if (!PyArg_ParseTuple(args, "s", &text)) return nullptr;
    std::istringstream in{std::string{text}};
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    std::sort(words.begin(), words.end());
    std::ostringstream out;
    for (size_t i = 0; i < words.size(); ++i) out << (i ? " " : "") << words[i];
    return PyUnicode_FromString(out.str().c_str());
}

static PyObject *parse_int(PyObject *, PyObject *args) {
    const char *text;
    if (!PyArg_ParseTuple(args, "s", &text)) return nullptr;
    try {
        return PyLong_FromLong(std::stoi(std::string{text}));
    } catch (const std::invalid_argument &e) {
        PyErr_Format(PyExc_ValueError, "not a number: %s (std::invalid_argument)", text);
        return nullptr;
    }
}

static PyMethodDef methods[] = {
    {"sort_words", sort_words, METH_VARARGS, "The words of a string, sorted, joined by spaces."},
    {"parse_int", parse_int, METH_VARARGS, "std::stoi; ValueError for what it throws at."},
    {nullptr, nullptr, 0, nullptr},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_words", nullptr, -1, methods};

PyMODINIT_FUNC PyInit__words(void) { return PyModule_Create(&module); }
