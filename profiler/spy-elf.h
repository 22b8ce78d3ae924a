/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-elf.h: symbols and sections of the interpreter's ELF file */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SPY_ELF_ERROR (spy_elf_error_quark ())

typedef enum {
  SPY_ELF_ERROR_OPEN,
  SPY_ELF_ERROR_FORMAT,
} SpyElfError;

typedef struct _SpyElf SpyElf;

GQuark    spy_elf_error_quark      (void);
SpyElf   *spy_elf_open             (const char  *path,
                                    GError     **error);
void      spy_elf_free             (SpyElf      *self);
/* Looks @name up in .symtab, then .dynsym. */
gboolean  spy_elf_lookup           (SpyElf      *self,
                                    const char  *name,
                                    guint64     *value,
                                    guint64     *size);
/* TRUE for ET_DYN (PIE executables and shared objects): addresses move. */
gboolean  spy_elf_is_relocatable   (SpyElf      *self);
/* Lowest p_vaddr of a PT_LOAD segment (page aligned). */
guint64   spy_elf_get_base_vaddr   (SpyElf      *self);
/* The bytes of section @name, or NULL (e.g. ".rodata"). */
GBytes   *spy_elf_get_section      (SpyElf      *self,
                                    const char  *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpyElf, spy_elf_free)

G_END_DECLS
