/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-native-module.c: the ELF files mapped in a target, their symbols and unwind tables */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "spy-native-module.h"

/* A vDSO is a page or two; anything larger is not one. */
#define MAX_VDSO_SIZE (1 << 20)
/* CPython's eval loop is far larger than this (50–90 KiB); its entry
 * part, where a build splits it, far smaller. */
#define MIN_EVAL_LOOP_SIZE (16 * 1024)
/* The longest symbol name kept, in bytes. */
#define MAX_SYMBOL_NAME 1024

/* From the C++ runtime (libstdc++), which every g++ toolchain has. */
extern char *__cxa_demangle (const char *mangled, char *buf, size_t *len, int *status);

typedef struct {
  guint64 vaddr;
  guint64 offset;
  guint64 filesz;
  gboolean writable;
} Segment;

typedef struct {
  guint64     start;
  guint64     size;
  guint       rank;       /* of aliases at one address, the lowest is shown */
  const char *name;       /* in the module's string chunk */
  char       *demangled;  /* lazily; == name when not mangled */
} Symbol;

struct _SpyNativeModule {
  char         *path;          /* as the target sees it, or "[vdso]" */
  char         *name;          /* shown: basename, valid UTF-8 */
  guint64       start, end;    /* the executable mapping */
  guint64       bias;
  gboolean      interpreter;

  int           fd;
  Elf          *elf;
  guint8       *memory_image;  /* the vDSO's bytes, copied */
  const guint8 *image;         /* the whole file, mapped by libelf */
  gsize         image_size;
  GArray       *segments;      /* Segment */
  guint64       lo, hi;        /* every PT_LOAD, in target addresses */
  guint64       eh_frame_hdr;  /* target address, 0: none */
  gsize         eh_frame_hdr_size;

  gboolean      symbols_read;
  GArray       *symbols;       /* Symbol, by start */
  GStringChunk *names;
  gboolean      eval_found;
  guint64       eval_start;    /* target address; 0: none known */
  gboolean      table_read;
  const gint32 *table;         /* .eh_frame_hdr's search table, in image */
  guint32       table_count;
};

struct _SpyNativeModules {
  GPid       pid;
  GStrv      interpreter_paths;
  GPtrArray *modules;          /* SpyNativeModule, by start */
  GPtrArray *retired;          /* SpyNativeModule: unmapped since */
  gint64     refreshed_at;
  guint      generation;
  guint      last_read;        /* index of the module read last */
};

static void
module_free (gpointer data)
{
  SpyNativeModule *module = data;

  if (module->symbols != NULL)
    {
      for (guint i = 0; i < module->symbols->len; i++)
        {
          Symbol *symbol = &g_array_index (module->symbols, Symbol, i);

          if (symbol->demangled != symbol->name)
            g_free (symbol->demangled);
        }
      g_array_unref (module->symbols);
    }
  if (module->names != NULL)
    g_string_chunk_free (module->names);
  if (module->elf != NULL)
    elf_end (module->elf);
  if (module->fd >= 0)
    close (module->fd);
  g_clear_pointer (&module->segments, g_array_unref);
  g_free (module->memory_image);
  g_free (module->path);
  g_free (module->name);
  g_free (module);
}

/* The vDSO has no file: its image is copied from the target. */
static Elf *
open_vdso (SpyNativeModule *module,
           GPid             pid)
{
  gsize size = module->end - module->start;
  struct iovec local, remote;

  if (size == 0 || size > MAX_VDSO_SIZE)
    return NULL;
  module->memory_image = g_malloc (size);
  local.iov_base = module->memory_image;
  local.iov_len = size;
  remote.iov_base = GSIZE_TO_POINTER (module->start);
  remote.iov_len = size;
  if (process_vm_readv (pid, &local, 1, &remote, 1, 0) != (ssize_t) size)
    return NULL;
  return elf_memory ((char *) module->memory_image, size);
}

static Elf *
open_file (SpyNativeModule *module,
           GPid             pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/root%s", (int) pid, module->path);

  module->fd = open (path, O_RDONLY | O_CLOEXEC);
  if (module->fd < 0)
    return NULL;
  return elf_begin (module->fd, ELF_C_READ_MMAP, NULL);
}

/* Reads the program headers: where each segment's bytes are in the file,
 * the bias from the executable mapping at @file_offset, the unwind table. */
static gboolean
read_segments (SpyNativeModule *module,
               guint64          file_offset)
{
  size_t n_phdrs = 0;
  gboolean have_bias = FALSE;
  guint64 hdr_vaddr = 0;

  if (elf_getphdrnum (module->elf, &n_phdrs) != 0)
    return FALSE;
  module->segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  for (size_t i = 0; i < n_phdrs; i++)
    {
      GElf_Phdr phdr;

      if (gelf_getphdr (module->elf, (int) i, &phdr) == NULL)
        continue;
      if (phdr.p_type == PT_GNU_EH_FRAME)
        {
          hdr_vaddr = phdr.p_vaddr;
          module->eh_frame_hdr_size = phdr.p_memsz;
        }
      if (phdr.p_type != PT_LOAD)
        continue;
      {
        Segment segment = { phdr.p_vaddr, phdr.p_offset, phdr.p_filesz, (phdr.p_flags & PF_W) != 0 };
        g_array_append_val (module->segments, segment);
      }
      if (!have_bias && (phdr.p_flags & PF_X) &&
          (phdr.p_offset & ~(guint64) 0xfff) == file_offset)
        {
          module->bias = module->start - (phdr.p_vaddr & ~(guint64) 0xfff);
          have_bias = TRUE;
        }
    }
  if (!have_bias)
    return FALSE;
  module->lo = G_MAXUINT64;
  for (guint i = 0; i < module->segments->len; i++)
    {
      Segment *segment = &g_array_index (module->segments, Segment, i);

      module->lo = MIN (module->lo, segment->vaddr + module->bias);
      module->hi = MAX (module->hi, segment->vaddr + segment->filesz + module->bias);
    }
  if (hdr_vaddr != 0)
    module->eh_frame_hdr = hdr_vaddr + module->bias;
  return TRUE;
}

static SpyNativeModule *
module_new (SpyNativeModules *modules,
            const char       *path,
            guint64           start,
            guint64           end,
            guint64           file_offset)
{
  SpyNativeModule *module = g_new0 (SpyNativeModule, 1);
  const char *base = strrchr (path, '/');

  module->fd = -1;
  module->path = g_strdup (path);
  module->name = g_utf8_make_valid (base != NULL ? base + 1 : path, -1);
  module->start = start;
  module->end = end;
  module->interpreter = modules->interpreter_paths != NULL &&
                        g_strv_contains ((const char * const *) modules->interpreter_paths, path);
  module->elf = strcmp (path, "[vdso]") == 0 ? open_vdso (module, modules->pid)
                                             : open_file (module, modules->pid);
  if (module->elf != NULL && elf_kind (module->elf) == ELF_K_ELF &&
      gelf_getclass (module->elf) == ELFCLASS64)
    module->image = (const guint8 *) elf_rawfile (module->elf, &module->image_size);
  if (module->image == NULL || !read_segments (module, file_offset))
    {
      /* Still a module: its addresses are shown as name+0xOFFSET. */
      g_clear_pointer (&module->segments, g_array_unref);
      module->bias = start - file_offset;
      module->lo = start;
      module->hi = end;
      module->eh_frame_hdr = 0;
    }
  return module;
}

static int
compare_modules (gconstpointer a,
                 gconstpointer b)
{
  const SpyNativeModule *ma = *(SpyNativeModule * const *) a;
  const SpyNativeModule *mb = *(SpyNativeModule * const *) b;

  return ma->start < mb->start ? -1 : ma->start > mb->start;
}

static gboolean
have_module (SpyNativeModules *self,
             guint64           start,
             const char       *path)
{
  const SpyNativeModule *module = spy_native_modules_find (self, start);

  return module != NULL && module->start == start && strcmp (module->path, path) == 0;
}

gboolean
spy_native_modules_refresh (SpyNativeModules *self)
{
  g_autofree char *maps_path = g_strdup_printf ("/proc/%d/maps", (int) self->pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean added = FALSE;

  self->refreshed_at = g_get_monotonic_time ();
  if (!g_file_get_contents (maps_path, &contents, NULL, NULL))
    return FALSE;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 start, end, offset;
      char perms[8];
      int path_at = 0;
      const char *path;

      if (sscanf (lines[i], "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %7s %"
                  G_GINT64_MODIFIER "x %*s %*s %n", &start, &end, perms, &offset, &path_at) < 4 ||
          path_at == 0 || strchr (perms, 'x') == NULL)
        continue;
      path = lines[i] + path_at;
      if ((path[0] != '/' && strcmp (path, "[vdso]") != 0) || have_module (self, start, path))
        continue;
      /* A module mapped over a freed one's place: drop the old. */
      for (guint j = self->modules->len; j > 0; j--)
        {
          SpyNativeModule *old = g_ptr_array_index (self->modules, j - 1);

          if (old->start < end && start < old->end)
            {
              /* Kept: frames of this sample may point at it. */
              g_ptr_array_add (self->retired, g_ptr_array_steal_index (self->modules, j - 1));
              self->generation++;
            }
        }
      g_ptr_array_add (self->modules, module_new (self, path, start, end, offset));
      added = TRUE;
    }
  if (added)
    {
      g_ptr_array_sort (self->modules, compare_modules);
      self->generation++;
    }
  return TRUE;
}

SpyNativeModules *
spy_native_modules_new (GPid                pid,
                        const char * const *interpreter_paths)
{
  SpyNativeModules *self = g_new0 (SpyNativeModules, 1);

  elf_version (EV_CURRENT);
  self->pid = pid;
  self->interpreter_paths = g_strdupv ((char **) interpreter_paths);
  self->modules = g_ptr_array_new_with_free_func (module_free);
  self->retired = g_ptr_array_new_with_free_func (module_free);
  spy_native_modules_refresh (self);
  return self;
}

void
spy_native_modules_free (SpyNativeModules *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->modules);
  g_ptr_array_unref (self->retired);
  g_strfreev (self->interpreter_paths);
  g_free (self);
}

guint
spy_native_modules_get_generation (SpyNativeModules *self)
{
  return self->generation;
}

const SpyNativeModule *
spy_native_modules_find (SpyNativeModules *self,
                         guint64           addr)
{
  guint lo = 0, hi = self->modules->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const SpyNativeModule *module = g_ptr_array_index (self->modules, mid);

      if (addr < module->start)
        hi = mid;
      else if (addr >= module->end)
        lo = mid + 1;
      else
        return module;
    }
  return NULL;
}

const SpyNativeModule *
spy_native_modules_lookup (SpyNativeModules *self,
                           guint64           pc)
{
  const SpyNativeModule *module = spy_native_modules_find (self, pc);

  /* Unknown code: perhaps a library loaded since (at most 10 times a second). */
  if (module == NULL && g_get_monotonic_time () - self->refreshed_at > 100000)
    {
      spy_native_modules_refresh (self);
      module = spy_native_modules_find (self, pc);
    }
  return module;
}

static gboolean
read_module (const SpyNativeModule *module,
             guint64                addr,
             void                  *buf,
             gsize                  len)
{
  guint64 vaddr = addr - module->bias;

  if (module->segments == NULL || addr < module->lo || addr >= module->hi)
    return FALSE;
  for (guint j = 0; j < module->segments->len; j++)
    {
      const Segment *segment = &g_array_index (module->segments, Segment, j);

      if (segment->writable || vaddr < segment->vaddr ||
          len > segment->filesz || vaddr - segment->vaddr > segment->filesz - len ||
          segment->offset + (vaddr - segment->vaddr) + len > module->image_size)
        continue;
      memcpy (buf, module->image + segment->offset + (vaddr - segment->vaddr), len);
      return TRUE;
    }
  return FALSE;
}

gboolean
spy_native_modules_read (SpyNativeModules *self,
                         guint64           addr,
                         void             *buf,
                         gsize             len)
{
  /* Reads come in runs from one table: try the last module first. */
  if (self->last_read < self->modules->len &&
      read_module (g_ptr_array_index (self->modules, self->last_read), addr, buf, len))
    return TRUE;
  for (guint i = 0; i < self->modules->len; i++)
    if (read_module (g_ptr_array_index (self->modules, i), addr, buf, len))
      {
        self->last_read = i;
        return TRUE;
      }
  return FALSE;
}

/* The GNU build-id note, for the debug file under /usr/lib/debug. */
static char *
build_id_path (Elf *elf)
{
  Elf_Scn *scn = NULL;

  while ((scn = elf_nextscn (elf, scn)) != NULL)
    {
      GElf_Shdr shdr;
      Elf_Data *data;
      GElf_Nhdr nhdr;
      size_t offset = 0, name_at, desc_at;

      if (gelf_getshdr (scn, &shdr) == NULL || shdr.sh_type != SHT_NOTE ||
          (data = elf_getdata (scn, NULL)) == NULL)
        continue;
      while ((offset = gelf_getnote (data, offset, &nhdr, &name_at, &desc_at)) > 0)
        {
          const guint8 *desc = (const guint8 *) data->d_buf + desc_at;
          g_autoptr(GString) path = NULL;

          if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_descsz < 2 || nhdr.n_descsz > 64)
            continue;
          path = g_string_new ("/usr/lib/debug/.build-id/");
          g_string_append_printf (path, "%02x/", desc[0]);
          for (guint i = 1; i < nhdr.n_descsz; i++)
            g_string_append_printf (path, "%02x", desc[i]);
          g_string_append (path, ".debug");
          return g_string_free (g_steal_pointer (&path), FALSE);
        }
    }
  return NULL;
}

/* Adds the functions of @elf's symbol tables of @type; FALSE when it has none. */
static gboolean
add_symbols (SpyNativeModule *module,
             Elf             *elf,
             Elf64_Word       type)
{
  Elf_Scn *scn = NULL;
  gboolean any = FALSE;

  while ((scn = elf_nextscn (elf, scn)) != NULL)
    {
      GElf_Shdr shdr;
      Elf_Data *data;

      if (gelf_getshdr (scn, &shdr) == NULL || shdr.sh_type != type || shdr.sh_entsize == 0 ||
          (data = elf_getdata (scn, NULL)) == NULL)
        continue;
      for (gsize i = 0; i < shdr.sh_size / shdr.sh_entsize; i++)
        {
          GElf_Sym sym;
          const char *name, *at;
          Symbol symbol = { 0 };

          if (gelf_getsym (data, (int) i, &sym) == NULL || sym.st_value == 0 ||
              sym.st_shndx == SHN_UNDEF ||
              (GELF_ST_TYPE (sym.st_info) != STT_FUNC && GELF_ST_TYPE (sym.st_info) != STT_GNU_IFUNC) ||
              (name = elf_strptr (elf, shdr.sh_link, sym.st_name)) == NULL || name[0] == '\0')
            continue;
          /* Without its symbol version (memcpy@@GLIBC_2.14). */
          if ((at = strchr (name, '@')) != NULL)
            name = g_string_chunk_insert_len (module->names, name, at - name);
          symbol.start = sym.st_value;
          symbol.size = sym.st_size;
          /* Aliases: the exported name, then the shortest
           * (__libc_start_main, not __libc_start_main_alias_2). */
          symbol.rank = (GELF_ST_BIND (sym.st_info) == STB_GLOBAL ? 0 :
                         GELF_ST_BIND (sym.st_info) == STB_WEAK ? 1 : 2) * 4096 +
                        MIN (strlen (name), 4095);
          symbol.name = g_string_chunk_insert_const (module->names, name);
          g_array_append_val (module->symbols, symbol);
          any = TRUE;
        }
    }
  return any;
}

static int
compare_symbols (gconstpointer a,
                 gconstpointer b)
{
  const Symbol *sa = a, *sb = b;

  if (sa->start != sb->start)
    return sa->start < sb->start ? -1 : 1;
  /* The sized one first, so that a lookup finds it. */
  if (sa->size != sb->size)
    return sa->size > sb->size ? -1 : 1;
  return sa->rank < sb->rank ? -1 : sa->rank > sb->rank;
}

/* Symbols from the -dbgsym debug file when one is installed, else .symtab,
 * else .dynsym (exports only: other code shows as name+0xOFFSET). */
static void
read_symbols (SpyNativeModule *module)
{
  g_autofree char *debug_path = NULL;
  gboolean found = FALSE;

  module->symbols_read = TRUE;
  module->symbols = g_array_new (FALSE, FALSE, sizeof (Symbol));
  module->names = g_string_chunk_new (4096);
  if (module->elf == NULL || module->segments == NULL)
    return;
  if ((debug_path = build_id_path (module->elf)) != NULL)
    {
      int fd = open (debug_path, O_RDONLY | O_CLOEXEC);
      Elf *debug = fd >= 0 ? elf_begin (fd, ELF_C_READ_MMAP, NULL) : NULL;

      if (debug != NULL)
        {
          found = add_symbols (module, debug, SHT_SYMTAB);
          elf_end (debug);
        }
      if (fd >= 0)
        close (fd);
    }
  if (!found && !add_symbols (module, module->elf, SHT_SYMTAB))
    add_symbols (module, module->elf, SHT_DYNSYM);
  g_array_sort (module->symbols, compare_symbols);
}

static Symbol *
find_symbol (SpyNativeModule *module,
             guint64          vaddr)
{
  guint lo = 0, hi = module->symbols->len;
  Symbol *symbol;

  /* The last symbol starting at or before vaddr... */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (module->symbols, Symbol, mid).start <= vaddr)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    return NULL;
  /* ...among those at the same address, the first (the sized one)... */
  symbol = &g_array_index (module->symbols, Symbol, lo - 1);
  while (symbol > &g_array_index (module->symbols, Symbol, 0) && (symbol - 1)->start == symbol->start)
    symbol--;
  /* ...if it covers vaddr: never a neighbour's name for unknown code. */
  if (vaddr - symbol->start >= MAX (symbol->size, 1))
    return NULL;
  return symbol;
}

/* Cuts what a compiler adds to the parts and copies of a function it
 * split or specialised ("msort.part.0", "eval.cold", "f(int) [clone
 * .isra.0]"): their samples belong to the function. */
static void
cut_clone_suffix (char *name)
{
  static const char * const suffixes[] = {
    ".cold", ".part.", ".isra.", ".constprop.", ".lto_priv.", ".llvm.", ".localalias",
  };
  char *clone = strstr (name, " [clone .");

  if (clone != NULL)
    *clone = '\0';
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      char *at = strstr (name, suffixes[i]);

      if (at != NULL && at > name)
        *at = '\0';
    }
}

static const char *
symbol_name (Symbol *symbol)
{
  if (symbol->demangled == NULL)
    {
      char *demangled = spy_native_demangle (symbol->name);
      g_autofree char *valid = NULL;

      if (demangled == NULL)
        demangled = g_strndup (symbol->name, MAX_SYMBOL_NAME);
      cut_clone_suffix (demangled);
      valid = g_utf8_make_valid (demangled, -1);
      free (demangled);
      symbol->demangled = g_steal_pointer (&valid);
    }
  return symbol->demangled;
}

void
spy_native_modules_symbolize (SpyNativeModules *self,
                              guint64           pc,
                              SpyNativeSymbol  *out)
{
  SpyNativeModule *module = (SpyNativeModule *) spy_native_modules_lookup (self, pc);
  Symbol *symbol;

  out->module = module;
  out->function = NULL;
  out->start = pc;
  if (module == NULL)
    return;
  if (!module->symbols_read)
    read_symbols (module);
  if ((symbol = find_symbol (module, pc - module->bias)) == NULL)
    return;
  out->function = symbol_name (symbol);
  out->start = symbol->start + module->bias;
}

/* Where the function of the FDE at @fde (target address) starts and how
 * long it is, for the usual encoding (pc-relative and 4-byte: what GCC and
 * clang write on x86-64); FALSE for any other. */
static gboolean
read_fde_range (SpyNativeModules *self,
                guint64           fde,
                guint64           expected_start,
                guint64          *size)
{
  guint32 head[2];
  gint32 begin;
  guint32 range;

  if (!spy_native_modules_read (self, fde, head, sizeof head) || head[0] == 0xffffffff ||
      head[1] == 0 ||
      !spy_native_modules_read (self, fde + 8, &begin, 4) ||
      !spy_native_modules_read (self, fde + 12, &range, 4) ||
      fde + 8 + (gint64) begin != expected_start)
    return FALSE;
  *size = range;
  return TRUE;
}

/* The .eh_frame_hdr search table of @module as it is in our mapping of
 * the file: entries of two int32 (function start, FDE), relative to the
 * header, sorted by start. NULL without one (or another encoding). */
static const gint32 *
search_table (SpyNativeModules *self,
              SpyNativeModule  *module,
              guint32          *count)
{
  guint8 header[4];
  guint64 vaddr, offset = G_MAXUINT64;

  if (module->eh_frame_hdr == 0 ||
      !spy_native_modules_read (self, module->eh_frame_hdr, header, sizeof header) ||
      header[0] != 1 || header[1] != 0x1b || header[2] != 0x03 || header[3] != 0x3b ||
      !spy_native_modules_read (self, module->eh_frame_hdr + 8, count, 4) ||
      (gsize) *count * 8 + 12 > module->eh_frame_hdr_size)
    return NULL;
  vaddr = module->eh_frame_hdr - module->bias;
  for (guint i = 0; i < module->segments->len; i++)
    {
      const Segment *segment = &g_array_index (module->segments, Segment, i);

      if (vaddr >= segment->vaddr && vaddr + module->eh_frame_hdr_size <= segment->vaddr + segment->filesz)
        offset = segment->offset + (vaddr - segment->vaddr);
    }
  if (offset == G_MAXUINT64 || offset + module->eh_frame_hdr_size > module->image_size || (offset & 3) != 0)
    return NULL;
  return (const gint32 *) (module->image + offset + 12);
}

gboolean
spy_native_modules_find_function (SpyNativeModules      *self,
                                  const SpyNativeModule *const_module,
                                  guint64                pc,
                                  guint64               *start)
{
  SpyNativeModule *module = (SpyNativeModule *) const_module;
  const gint32 *table;
  guint32 count = 0, lo = 0, hi;
  guint64 size;

  if (module->segments == NULL)
    return FALSE;
  if (!module->table_read)
    {
      module->table_read = TRUE;
      module->table = search_table (self, module, &module->table_count);
    }
  if ((table = module->table) == NULL)
    return FALSE;
  count = module->table_count;
  /* The last entry that starts at or before pc. */
  hi = count;
  while (lo < hi)
    {
      guint32 mid = lo + (hi - lo) / 2;

      if (module->eh_frame_hdr + (gint64) table[2 * mid] <= pc)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    return FALSE;
  *start = module->eh_frame_hdr + (gint64) table[2 * (lo - 1)];
  return read_fde_range (self, module->eh_frame_hdr + (gint64) table[2 * (lo - 1) + 1], *start, &size) &&
         pc < *start + size;
}

/* The largest function the unwind table lists: in CPython, the eval loop. */
static guint64
largest_function (SpyNativeModules *self,
                  SpyNativeModule  *module)
{
  guint8 header[4];
  guint32 count;
  guint64 best = 0, best_size = 0, table;

  /* version 1, eh_frame_ptr pc-relative sdata4, count udata4, table datarel sdata4. */
  if (module->eh_frame_hdr == 0 ||
      !spy_native_modules_read (self, module->eh_frame_hdr, header, sizeof header) ||
      header[0] != 1 || header[1] != 0x1b || header[2] != 0x03 || header[3] != 0x3b ||
      !spy_native_modules_read (self, module->eh_frame_hdr + 8, &count, 4) ||
      (gsize) count * 8 > module->eh_frame_hdr_size)
    return 0;
  table = module->eh_frame_hdr + 12;
  for (guint32 i = 0; i < count; i++)
    {
      gint32 entry[2];
      guint64 start, size;

      if (!spy_native_modules_read (self, table + (guint64) i * 8, entry, sizeof entry))
        return 0;
      start = module->eh_frame_hdr + (gint64) entry[0];
      if (read_fde_range (self, module->eh_frame_hdr + (gint64) entry[1], start, &size) &&
          size > best_size)
        {
          best = start;
          best_size = size;
        }
    }
  return best_size >= MIN_EVAL_LOOP_SIZE ? best : 0;
}

guint64
spy_native_modules_get_eval_start (SpyNativeModules      *self,
                                   const SpyNativeModule *const_module)
{
  SpyNativeModule *module = (SpyNativeModule *) const_module;

  if (module->eval_found)
    return module->eval_start;
  module->eval_found = TRUE;
  if (!module->interpreter)
    return 0;
  if (!module->symbols_read)
    read_symbols (module);
  for (guint i = 0; i < module->symbols->len; i++)
    {
      const Symbol *symbol = &g_array_index (module->symbols, Symbol, i);

      /* Named and whole: the symbols say it all. */
      if (strcmp (symbol->name, "_PyEval_EvalFrameDefault") == 0 && symbol->size >= MIN_EVAL_LOOP_SIZE)
        return 0;
    }
  /* A stripped build (Debian's) whose exported _PyEval_EvalFrameDefault
   * is a small entry part, the loop itself an unnamed static function. */
  module->eval_start = largest_function (self, module);
  return module->eval_start;
}

char *
spy_native_demangle (const char *name)
{
  int status = -1;
  char *demangled;

  if (name == NULL || !g_str_has_prefix (name, "_Z"))
    return NULL;
  demangled = __cxa_demangle (name, NULL, NULL, &status);
  if (status != 0 || demangled == NULL)
    {
      free (demangled);
      return NULL;
    }
  if (strlen (demangled) > MAX_SYMBOL_NAME)
    demangled[MAX_SYMBOL_NAME] = '\0';
  return demangled;
}

const char *
spy_native_module_get_name (const SpyNativeModule *self)
{
  return self->name;
}

guint64
spy_native_module_get_start (const SpyNativeModule *self)
{
  return self->start;
}

guint64
spy_native_module_get_end (const SpyNativeModule *self)
{
  return self->end;
}

guint64
spy_native_module_get_bias (const SpyNativeModule *self)
{
  return self->bias;
}

gboolean
spy_native_module_is_interpreter (const SpyNativeModule *self)
{
  return self->interpreter;
}

gboolean
spy_native_module_get_eh_frame_hdr (const SpyNativeModule *self,
                                    guint64               *addr,
                                    gsize                 *size)
{
  if (self->eh_frame_hdr == 0)
    return FALSE;
  *addr = self->eh_frame_hdr;
  *size = self->eh_frame_hdr_size;
  return TRUE;
}
