/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-native-merge.c: a thread's native and Python stacks as one */

#include "config.h"

#include <string.h>

#include "spy-native-merge.h"

/* The interpreter's call machinery: how a call gets from one eval loop to
 * the next, or to a C function. Matched by prefix, in the interpreter's
 * own files only. */
static const char * const machinery[] = {
  "_PyEval_", "PyEval_", "_PyFunction_", "PyFunction_", "PyObject_Call", "_PyObject_Call",
  "PyObject_Vectorcall", "_PyObject_Vectorcall", "_PyObject_MakeTpCall", "_PyObject_FastCall",
  "PyVectorcall_", "_PyVectorcall_", "method_vectorcall", "cfunction_call",
  "cfunction_vectorcall", "_PyCFunction_", "PyCFunction_Call", "_PyMethodDef_", "method_call",
  "wrapper_call", "wrapperdescr_call", "slot_tp_", "vectorcall_", "call_function",
  "do_call_core", "function_code_fastcall", "fast_function", "object_vacall", "_PyStack_",
  "gen_send", "gen_iternext", "_PyGen_", "context_run", "partial_call", "partial_vectorcall",
  "type_call", "ext_do_call", "function_call", "instancemethod_call", "call_trampoline",
  "_Py_call", "_PyObject_VectorcallTstate",
};

/* How a process or thread starts, up to the first Python frame: in the
 * interpreter's files... */
static const char * const interpreter_startup[] = {
  "main", "Py_BytesMain", "Py_RunMain", "Py_Main", "pymain_", "_PyRun_", "PyRun_", "pyrun_",
  "run_mod", "run_eval_code_obj", "thread_run", "pythread_wrapper", "t_bootstrap",
};

/* ...and in the C library's. */
static const char * const libc_startup[] = {
  "_start", "__libc_start_main", "__libc_start_call_main", "start_thread", "clone", "clone3",
  "__clone", "__clone3",
};

/* @name without a compiler's suffix (".cold", ".isra.0", ".part.1"). */
static gboolean
base_name_is (const char *name,
              const char *base)
{
  gsize len = strlen (base);

  return strncmp (name, base, len) == 0 && (name[len] == '\0' || name[len] == '.');
}

static gboolean
matches_prefix (const char         *name,
                const char * const *prefixes,
                gsize               n_prefixes)
{
  for (gsize i = 0; i < n_prefixes; i++)
    if (g_str_has_prefix (name, prefixes[i]))
      return TRUE;
  return FALSE;
}

static gboolean
matches_name (const char         *name,
              const char * const *names,
              gsize               n_names,
              gboolean            prefix_if_underscore)
{
  for (gsize i = 0; i < n_names; i++)
    {
      gsize len = strlen (names[i]);

      if (base_name_is (name, names[i]) ||
          (prefix_if_underscore && names[i][len - 1] == '_' && g_str_has_prefix (name, names[i])))
        return TRUE;
    }
  return FALSE;
}

SpyNativeFrameRole
spy_native_frame_role (const SpyNativeSymbol *symbol,
                       guint                  python_major,
                       guint64                eval_start)
{
  const char *name = symbol->function;

  if (symbol->module != NULL && name == NULL && spy_native_module_is_interpreter (symbol->module))
    return eval_start != 0 && symbol->start == eval_start ? SPY_NATIVE_FRAME_EVAL
                                                          : SPY_NATIVE_FRAME_UNNAMED;
  if (symbol->module == NULL || name == NULL)
    return SPY_NATIVE_FRAME_CODE;
  if (!spy_native_module_is_interpreter (symbol->module))
    return matches_name (name, libc_startup, G_N_ELEMENTS (libc_startup), FALSE)
           ? SPY_NATIVE_FRAME_STARTUP : SPY_NATIVE_FRAME_CODE;
  /* 3.6 has both: PyEval_EvalFrameEx calls the hook, _PyEval_EvalFrameDefault. */
  if (base_name_is (name, python_major == 2 ? "PyEval_EvalFrameEx" : "_PyEval_EvalFrameDefault"))
    return SPY_NATIVE_FRAME_EVAL;
  if (matches_name (name, interpreter_startup, G_N_ELEMENTS (interpreter_startup), TRUE) ||
      matches_name (name, libc_startup, G_N_ELEMENTS (libc_startup), FALSE))
    return SPY_NATIVE_FRAME_STARTUP;
  /* 3.14+: the calls of stack references (_PyCallMethodDescriptorFast_StackRef). */
  if (matches_prefix (name, machinery, G_N_ELEMENTS (machinery)) ||
      (g_str_has_suffix (name, "_StackRef") && strstr (name, "Call") != NULL))
    return SPY_NATIVE_FRAME_MACHINERY;
  return SPY_NATIVE_FRAME_CODE;
}

void
spy_native_symbolize (SpyNativeModules *modules,
                      guint             python_major,
                      GArray           *pcs,
                      GArray           *natives)
{
  g_array_set_size (natives, 0);
  for (guint i = 0; i < pcs->len; i++)
    {
      const SpyNativePc *pc = &g_array_index (pcs, SpyNativePc, i);
      SpyMixedFrame frame = { NULL, { NULL, NULL, 0 }, pc->pc, 0, pc->function == 0 };

      /* A return address may be just past its call's function (a call
       * that does not return ends it): name the call. */
      spy_native_modules_symbolize (modules, i == 0 ? frame.pc : frame.pc - 1, &frame.native);
      /* No symbol: the function's start from the unwind tables, so that
       * its samples add up under one name. */
      if (frame.native.function == NULL && pc->function != 0)
        frame.native.start = pc->function;
      frame.role = spy_native_frame_role (&frame.native, python_major,
                                          frame.native.module != NULL
                                          ? spy_native_modules_get_eval_start (modules, frame.native.module)
                                          : 0);
      g_array_append_val (natives, frame);
    }
}

static void
push_python (GArray         *out,
             const SpyFrame *frame)
{
  SpyMixedFrame mixed = { frame, { NULL, NULL, 0 }, 0, SPY_NATIVE_FRAME_CODE, FALSE };

  g_array_append_val (out, mixed);
}

/* Outside the outermost Python frame: how the process or thread started,
 * in the interpreter or the C library (named or not). */
static gboolean
is_outer_noise (const SpyMixedFrame *frame)
{
  const SpyNativeModule *module = frame->native.module;

  return frame->role != SPY_NATIVE_FRAME_CODE ||
         (module != NULL && (spy_native_module_is_interpreter (module) ||
                             g_str_has_prefix (spy_native_module_get_name (module), "libc.so") ||
                             g_str_has_prefix (spy_native_module_get_name (module), "ld-linux")));
}

static gboolean
is_between (const SpyMixedFrame *frame)
{
  return frame->role == SPY_NATIVE_FRAME_UNNAMED || frame->role == SPY_NATIVE_FRAME_MACHINERY;
}

/* Unnamed interpreter code next to an eval frame (with only more of it, or
 * named machinery, between) is how calls get into and out of the loop:
 * machinery too. Elsewhere it is work, and shown. */
static void
settle_unnamed (GArray *natives)
{
  for (guint i = 0; i < natives->len; )
    {
      guint end = i;
      gboolean by_eval;

      if (!is_between (&g_array_index (natives, SpyMixedFrame, i)))
        {
          i++;
          continue;
        }
      while (end < natives->len && is_between (&g_array_index (natives, SpyMixedFrame, end)))
        end++;
      by_eval = (i > 0 && g_array_index (natives, SpyMixedFrame, i - 1).role == SPY_NATIVE_FRAME_EVAL) ||
                (end < natives->len && g_array_index (natives, SpyMixedFrame, end).role == SPY_NATIVE_FRAME_EVAL);
      for (; i < end; i++)
        {
          SpyMixedFrame *frame = &g_array_index (natives, SpyMixedFrame, i);

          if (frame->role == SPY_NATIVE_FRAME_UNNAMED)
            frame->role = by_eval ? SPY_NATIVE_FRAME_MACHINERY : SPY_NATIVE_FRAME_CODE;
        }
    }
}

/* More eval frames than C calls of the loop in the Python stack: the
 * innermost are entering or leaving the loop, their frame not linked yet
 * or any more; they run no Python frame. (Fewer: the unwind stopped short
 * of the outer ones.) From 3.12 the walker tells how many: @known. */
static guint
count_idle_evals (GArray *natives,
                  GArray *python,
                  guint   known)
{
  guint evals = 0, groups = 0;

  for (guint i = 0; i < natives->len; i++)
    evals += g_array_index (natives, SpyMixedFrame, i).role == SPY_NATIVE_FRAME_EVAL;
  for (guint i = 0; i < python->len; i++)
    groups += g_array_index (python, SpyFrame, i).entry || i + 1 == python->len;
  return MAX (known, evals > groups ? evals - groups : 0);
}

/* Outside the outermost Python frame, the start-up goes. */
static void
drop_outer_noise (GArray *out)
{
  gint outermost = -1;

  for (guint i = 0; i < out->len; i++)
    if (g_array_index (out, SpyMixedFrame, i).python != NULL)
      outermost = (gint) i;
  if (outermost < 0)
    return;
  for (guint i = out->len; i > (guint) outermost + 1; i--)
    if (is_outer_noise (&g_array_index (out, SpyMixedFrame, i - 1)))
      g_array_remove_index (out, i - 1);
}

gboolean
spy_native_merge (GArray *natives,
                  GArray *python,
                  guint   idle_evals_known,
                  GArray *out)
{
  guint next = 0;  /* the next Python frame to place */
  guint idle_evals;

  g_array_set_size (out, 0);
  settle_unnamed (natives);
  /* Stopped in code that Python frames called (not in how the thread
   * started): the eval frames further out, and so which eval frame runs
   * which Python frame, are not known. */
  if (natives->len > 0)
    {
      const SpyMixedFrame *last = &g_array_index (natives, SpyMixedFrame, natives->len - 1);

      if (last->cut && !is_outer_noise (last))
        return FALSE;
    }
  idle_evals = count_idle_evals (natives, python, idle_evals_known);
  for (guint i = 0; i < natives->len; i++)
    {
      const SpyMixedFrame *native = &g_array_index (natives, SpyMixedFrame, i);

      switch (native->role)
        {
        case SPY_NATIVE_FRAME_EVAL:
          if (idle_evals > 0)
            {
              idle_evals--;
              break;
            }
          /* One C call of the loop: its Python frames, to the entry one. */
          while (next < python->len)
            {
              const SpyFrame *frame = &g_array_index (python, SpyFrame, next++);

              push_python (out, frame);
              if (frame->entry)
                break;
            }
          break;
        case SPY_NATIVE_FRAME_MACHINERY:
        case SPY_NATIVE_FRAME_UNNAMED:
          break;
        case SPY_NATIVE_FRAME_CODE:
        case SPY_NATIVE_FRAME_STARTUP:
        default:
          g_array_append_val (out, *native);
          break;
        }
    }
  /* Python frames left: the unwind stopped short of their eval frames
   * (code without unwind tables). Which eval frame ran which Python frame
   * is then a guess (one may be entering or leaving the loop): no stack
   * rather than a wrong one. */
  if (next < python->len)
    {
      g_array_set_size (out, 0);
      return FALSE;
    }
  drop_outer_noise (out);
  return TRUE;
}

GPtrArray *
spy_native_sample (SpyNativeUnwinder  *unwinder,
                   SpyStackWalker     *walker,
                   GError            **error)
{
  g_autoptr(GPtrArray) stacks = NULL;
  g_autoptr(GPtrArray) all_pcs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  SpyTarget *target = spy_stack_walker_get_target (walker);
  guint major = target != NULL ? spy_target_get_version_hex (target) >> 24 : 3;

  g_return_val_if_fail (SPY_IS_NATIVE_UNWINDER (unwinder), NULL);

  if (!spy_native_unwinder_stop (unwinder, error))
    return NULL;
  stacks = spy_stack_walker_sample (walker, error);
  for (guint i = 0; stacks != NULL && i < stacks->len; i++)
    {
      SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      g_autoptr(GError) local_error = NULL;
      GArray *pcs = g_array_new (FALSE, FALSE, sizeof (SpyNativePc));

      g_ptr_array_add (all_pcs, pcs);
      if (stack->native_id == 0)
        stack->native_error = g_strdup ("its OS thread id is not known");
      else if (!spy_native_unwinder_unwind (unwinder, stack->native_id, pcs, &local_error))
        stack->native_error = g_strdup (local_error->message);
    }
  spy_native_unwinder_resume (unwinder);

  /* Naming the frames may read symbol tables: the threads run meanwhile. */
  for (guint i = 0; stacks != NULL && i < stacks->len; i++)
    {
      SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      g_autoptr(GArray) fresh = NULL;
      GArray *natives;

      if (stack->native_error != NULL)
        continue;
      /* A thread left resting: its frames named as at the last sample. */
      if ((natives = spy_native_unwinder_get_kept (unwinder, stack->native_id)) == NULL)
        {
          natives = fresh = g_array_new (FALSE, FALSE, sizeof (SpyMixedFrame));
          spy_native_symbolize (spy_native_unwinder_get_modules (unwinder), major,
                                g_ptr_array_index (all_pcs, i), fresh);
          spy_native_unwinder_keep (unwinder, stack->native_id, fresh);
        }
      stack->mixed = g_array_new (FALSE, FALSE, sizeof (SpyMixedFrame));
      if (!spy_native_merge (natives, stack->frames, stack->idle_evals, stack->mixed))
        {
          g_autofree char *where = natives->len > 0
            ? spy_mixed_frame_native_name (&g_array_index (natives, SpyMixedFrame, natives->len - 1))
            : g_strdup ("?");

          g_clear_pointer (&stack->mixed, g_array_unref);
          stack->native_error = g_strdup_printf ("the unwind stopped in %s, which has no unwind "
                                                 "information: which Python frame runs where is "
                                                 "not known", where);
        }
    }
  return g_steal_pointer (&stacks);
}

char *
spy_mixed_frame_native_name (const SpyMixedFrame *frame)
{
  const SpyNativeModule *module = frame->native.module;

  if (frame->native.function != NULL)
    return g_strdup (frame->native.function);
  /* The function's start when the unwind tables told it, else the pc. */
  if (module != NULL)
    return g_strdup_printf ("%s+0x%" G_GINT64_MODIFIER "x", spy_native_module_get_name (module),
                            frame->native.start - spy_native_module_get_bias (module));
  return g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", frame->native.start);
}

const char *
spy_mixed_frame_native_file (const SpyMixedFrame *frame)
{
  return frame->native.module != NULL ? spy_native_module_get_name (frame->native.module) : "";
}
