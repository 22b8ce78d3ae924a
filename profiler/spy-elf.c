/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-elf.c: symbols and sections of the interpreter's ELF file */

#include "config.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

#include "spy-elf.h"

struct _SpyElf {
  int      fd;
  Elf     *elf;
  gboolean relocatable;
  guint64  base_vaddr;
};

G_DEFINE_QUARK (spy-elf-error-quark, spy_elf_error)

SpyElf *
spy_elf_open (const char  *path,
              GError     **error)
{
  g_autoptr(SpyElf) self = g_new0 (SpyElf, 1);
  GElf_Ehdr ehdr;
  size_t n_phdrs = 0;

  self->fd = -1;
  if (elf_version (EV_CURRENT) == EV_NONE)
    {
      g_set_error (error, SPY_ELF_ERROR, SPY_ELF_ERROR_FORMAT, "libelf is too old");
      return NULL;
    }

  self->fd = open (path, O_RDONLY | O_CLOEXEC);
  if (self->fd < 0)
    {
      int errsv = errno;
      g_set_error (error, SPY_ELF_ERROR, SPY_ELF_ERROR_OPEN,
                   "Cannot open %s: %s", path, g_strerror (errsv));
      return NULL;
    }

  self->elf = elf_begin (self->fd, ELF_C_READ_MMAP, NULL);
  if (self->elf == NULL || elf_kind (self->elf) != ELF_K_ELF ||
      gelf_getehdr (self->elf, &ehdr) == NULL ||
      gelf_getclass (self->elf) != ELFCLASS64)
    {
      g_set_error (error, SPY_ELF_ERROR, SPY_ELF_ERROR_FORMAT,
                   "%s is not a 64-bit ELF file", path);
      return NULL;
    }

  self->relocatable = ehdr.e_type == ET_DYN;
  self->base_vaddr = G_MAXUINT64;
  if (elf_getphdrnum (self->elf, &n_phdrs) == 0)
    {
      for (size_t i = 0; i < n_phdrs; i++)
        {
          GElf_Phdr phdr;

          if (gelf_getphdr (self->elf, (int) i, &phdr) != NULL && phdr.p_type == PT_LOAD)
            self->base_vaddr = MIN (self->base_vaddr, phdr.p_vaddr & ~(guint64) 0xfff);
        }
    }
  if (self->base_vaddr == G_MAXUINT64)
    self->base_vaddr = 0;

  return g_steal_pointer (&self);
}

void
spy_elf_free (SpyElf *self)
{
  if (self == NULL)
    return;
  if (self->elf != NULL)
    elf_end (self->elf);
  if (self->fd >= 0)
    close (self->fd);
  g_free (self);
}

gboolean
spy_elf_is_relocatable (SpyElf *self)
{
  return self->relocatable;
}

guint64
spy_elf_get_base_vaddr (SpyElf *self)
{
  return self->base_vaddr;
}

static gboolean
lookup_in (SpyElf     *self,
           Elf64_Word  type,
           const char *name,
           guint64    *value,
           guint64    *size)
{
  Elf_Scn *scn = NULL;

  while ((scn = elf_nextscn (self->elf, scn)) != NULL)
    {
      GElf_Shdr shdr;
      Elf_Data *data;
      gsize n_syms;

      if (gelf_getshdr (scn, &shdr) == NULL || shdr.sh_type != type || shdr.sh_entsize == 0)
        continue;
      data = elf_getdata (scn, NULL);
      if (data == NULL)
        continue;
      n_syms = shdr.sh_size / shdr.sh_entsize;
      for (gsize i = 0; i < n_syms; i++)
        {
          GElf_Sym sym;
          const char *sym_name;

          if (gelf_getsym (data, (int) i, &sym) == NULL || sym.st_value == 0 ||
              sym.st_shndx == SHN_UNDEF)
            continue;
          sym_name = elf_strptr (self->elf, shdr.sh_link, sym.st_name);
          if (sym_name != NULL && strcmp (sym_name, name) == 0)
            {
              *value = sym.st_value;
              if (size != NULL)
                *size = sym.st_size;
              return TRUE;
            }
        }
    }
  return FALSE;
}

gboolean
spy_elf_lookup (SpyElf     *self,
                const char *name,
                guint64    *value,
                guint64    *size)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return lookup_in (self, SHT_SYMTAB, name, value, size) ||
         lookup_in (self, SHT_DYNSYM, name, value, size);
}

GBytes *
spy_elf_get_section (SpyElf     *self,
                     const char *name)
{
  Elf_Scn *scn = NULL;
  size_t shstrndx;

  if (elf_getshdrstrndx (self->elf, &shstrndx) != 0)
    return NULL;

  while ((scn = elf_nextscn (self->elf, scn)) != NULL)
    {
      GElf_Shdr shdr;
      const char *scn_name;
      Elf_Data *data;

      if (gelf_getshdr (scn, &shdr) == NULL)
        continue;
      scn_name = elf_strptr (self->elf, shstrndx, shdr.sh_name);
      if (scn_name == NULL || strcmp (scn_name, name) != 0 || shdr.sh_type == SHT_NOBITS)
        continue;
      data = elf_rawdata (scn, NULL);
      if (data == NULL || data->d_buf == NULL)
        return NULL;
      return g_bytes_new (data->d_buf, data->d_size);
    }
  return NULL;
}
