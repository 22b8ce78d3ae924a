/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-native-module.h: the ELF files mapped in a target, their symbols and unwind tables */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One executable mapping of an ELF file (or the vDSO) in the target. */
typedef struct _SpyNativeModule SpyNativeModule;

/* What an address is, as far as the modules can tell. */
typedef struct {
  const SpyNativeModule *module;    /* NULL: in no mapped file */
  const char            *function;  /* demangled symbol, or NULL */
  guint64                start;     /* the symbol's address; the pc itself when unknown */
} SpyNativeSymbol;

/* Every module mapped in a process, read from /proc/PID/maps. */
typedef struct _SpyNativeModules SpyNativeModules;

/* @interpreter_paths: the files that hold the interpreter (its executable
 * and libpython), whose call machinery the merged stacks hide. */
SpyNativeModules      *spy_native_modules_new          (GPid                     pid,
                                                        const char * const      *interpreter_paths);
void                   spy_native_modules_free         (SpyNativeModules        *self);
/* Reads /proc/PID/maps again (after a dlopen); keeps what it knew. */
gboolean               spy_native_modules_refresh      (SpyNativeModules        *self);
/* Changes whenever the modules do: one mapped, dropped (unloaded), or
 * mapped over another. */
guint                  spy_native_modules_get_generation (SpyNativeModules      *self);
/* The module whose executable mapping holds @addr, or NULL. */
const SpyNativeModule *spy_native_modules_find         (SpyNativeModules        *self,
                                                        guint64                  addr);
/* The module holding @pc, refreshing the maps once when none does. */
const SpyNativeModule *spy_native_modules_lookup       (SpyNativeModules        *self,
                                                        guint64                  pc);
/* The symbol that holds @pc. A return address should be passed minus one. */
void                   spy_native_modules_symbolize    (SpyNativeModules        *self,
                                                        guint64                  pc,
                                                        SpyNativeSymbol         *out);
/* In a stripped interpreter whose eval loop has no name (only a small
 * exported entry part): where the loop starts, the largest function of
 * its unwind table. 0 when the symbols name it, or for other modules. */
guint64                spy_native_modules_get_eval_start (SpyNativeModules      *self,
                                                          const SpyNativeModule *module);
/* Where the function holding @pc starts, from @module's unwind table;
 * FALSE when no entry covers @pc (code without unwind information). */
gboolean               spy_native_modules_find_function (SpyNativeModules      *self,
                                                         const SpyNativeModule *module,
                                                         guint64                pc,
                                                         guint64               *start);
/* Copies target bytes from any module's read-only file contents (code,
 * unwind tables); FALSE when [@addr, @addr + @len) is not such a place. */
gboolean               spy_native_modules_read         (SpyNativeModules        *self,
                                                        guint64                  addr,
                                                        void                    *buf,
                                                        gsize                    len);

/* The file name shown for the module ("libz.so.1"), valid UTF-8. */
const char            *spy_native_module_get_name      (const SpyNativeModule   *self);
/* The executable mapping, in target addresses. */
guint64                spy_native_module_get_start     (const SpyNativeModule   *self);
guint64                spy_native_module_get_end       (const SpyNativeModule   *self);
/* Target address minus file vaddr. */
guint64                spy_native_module_get_bias      (const SpyNativeModule   *self);
gboolean               spy_native_module_is_interpreter (const SpyNativeModule  *self);
/* PT_GNU_EH_FRAME (.eh_frame_hdr) in target addresses; FALSE without one. */
gboolean               spy_native_module_get_eh_frame_hdr (const SpyNativeModule *self,
                                                           guint64               *addr,
                                                           gsize                 *size);

/* A C++ (Itanium ABI) name demangled, or NULL when @name is not mangled. */
char                  *spy_native_demangle             (const char              *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpyNativeModules, spy_native_modules_free)

G_END_DECLS
