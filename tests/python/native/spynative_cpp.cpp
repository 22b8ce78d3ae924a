// SPDX-License-Identifier: GPL-3.0-or-later
// spynative_cpp.cpp: a C++ extension whose methods (a class template in a
// namespace) call back into Python, for the demangled names in merged stacks.

#include <Python.h>

namespace spyglass {

template <typename T>
class Walker {
public:
  explicit Walker (T depth) : depth_ (depth) {}

  __attribute__((noinline)) PyObject *step (PyObject *callback)
  {
    PyObject *result = PyObject_CallObject (callback, NULL);

    if (result == NULL)
      return NULL;
    Py_DECREF (result);
    return PyLong_FromLong (static_cast<long> (depth_));
  }

private:
  T depth_;
};

__attribute__((noinline)) PyObject *
bounce (PyObject *callback, int depth)
{
  Walker<int> walker (depth);
  PyObject *result = walker.step (callback);

  if (result == NULL)
    return NULL;
  Py_DECREF (result);
  return PyLong_FromLong (depth + 1);
}

}  // namespace spyglass

static PyObject *
call_through (PyObject *self, PyObject *callback)
{
  PyObject *result = spyglass::bounce (callback, 7);

  (void) self;
  if (result == NULL)
    return NULL;
  Py_DECREF (result);
  return PyLong_FromLong (8);
}

static PyMethodDef methods[] = {
  { "call_through", call_through, METH_O, "Calls the callback through C++ frames." },
  { NULL, NULL, 0, NULL }
};

#if PY_MAJOR_VERSION >= 3
static struct PyModuleDef module = { PyModuleDef_HEAD_INIT, "spynative_cpp", NULL, -1, methods };

PyMODINIT_FUNC
PyInit_spynative_cpp (void)
{
  return PyModule_Create (&module);
}
#else
PyMODINIT_FUNC
initspynative_cpp (void)
{
  Py_InitModule ("spynative_cpp", methods);
}
#endif
