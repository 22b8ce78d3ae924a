/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spynative.c: a C extension whose functions call back into Python, built
 * by test-native.py against each interpreter's headers. Each function does
 * work after its call, so that no compiler turns the call into a jump and
 * the frame stays on the stack. */

#include <Python.h>

__attribute__((noinline)) static PyObject *
spy_c_inner (PyObject *callback)
{
  PyObject *result = PyObject_CallObject (callback, NULL);

  if (result == NULL)
    return NULL;
  Py_DECREF (result);
  return PyLong_FromLong (1);
}

__attribute__((noinline)) static PyObject *
spy_c_outer (PyObject *callback)
{
  PyObject *result = spy_c_inner (callback);

  if (result == NULL)
    return NULL;
  Py_DECREF (result);
  return PyLong_FromLong (2);
}

__attribute__((noinline)) static PyObject *
spynative_call_through (PyObject *self, PyObject *callback)
{
  PyObject *result = spy_c_outer (callback);

  (void) self;
  if (result == NULL)
    return NULL;
  Py_DECREF (result);
  return PyLong_FromLong (3);
}

static PyMethodDef methods[] = {
  { "call_through", spynative_call_through, METH_O, "Calls the callback through two C frames." },
  { NULL, NULL, 0, NULL }
};

#if PY_MAJOR_VERSION >= 3
static struct PyModuleDef module = { PyModuleDef_HEAD_INIT, "spynative", NULL, -1, methods };

PyMODINIT_FUNC
PyInit_spynative (void)
{
  return PyModule_Create (&module);
}
#else
PyMODINIT_FUNC
initspynative (void)
{
  Py_InitModule ("spynative", methods);
}
#endif
