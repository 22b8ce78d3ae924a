/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-pyobject.c: read CPython objects (str, bytes, int, dict, attributes) */

#include "config.h"

#include <string.h>

#include "spy-pyobject.h"

#define MAX_DICT_ENTRIES 65536
#define PTR_SIZE 8

/* PyDictKeysObject.dk_kind (3.11+) */
#define DICT_KEYS_GENERAL 0

/* tp_flags */
#define TPFLAGS_INLINE_VALUES (1UL << 2)   /* 3.13 */
#define TPFLAGS_MANAGED_DICT  (1UL << 4)   /* 3.11+ */

static gboolean
bad_object (GError     **error,
            const char  *what,
            guint64      addr)
{
  g_set_error (error, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_BAD_ADDRESS,
               "Inconsistent %s at 0x%" G_GINT64_MODIFIER "x", what, addr);
  return FALSE;
}

static void
append_code_point (GString  *out,
                   gunichar  c)
{
  if (!g_unichar_validate (c) || c == 0)
    c = 0xFFFD;
  g_string_append_unichar (out, c);
}

/* 2.7's str: bytes, taken as UTF-8 (as file names and identifiers are on
 * Linux), anything else replaced. */
static char *
read_byte_str (const SpyPyReader  *reader,
               guint64             addr,
               GError            **error)
{
  const SpyPythonLayout *layout = reader->layout;
  gint64 size;
  gsize n;
  g_autofree char *data = NULL;
  g_autoptr(GString) out = NULL;

  if (addr == 0)
    return bad_object (error, "str", addr), NULL;
  if (!spy_memory_read (reader->memory, addr + layout->bytes_size, &size, sizeof size, error))
    return NULL;
  if (size < 0)
    return bad_object (error, "str", addr), NULL;
  n = MIN ((gsize) size, SPY_MAX_STRING_CHARS);
  data = g_malloc (n + 1);
  if (n > 0 && !spy_memory_read (reader->memory, addr + layout->bytes_sval, data, n, error))
    return NULL;
  out = g_string_new_len (NULL, 0);
  {
    g_autofree char *valid = g_utf8_make_valid (data, n);

    /* NUL and invalid code points replaced, as for str. */
    for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
      append_code_point (out, g_utf8_get_char (p));
  }
  if ((gsize) size > n)
    g_string_append (out, "…");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
spy_pyobject_read_str (const SpyPyReader  *reader,
                       guint64             addr,
                       GError            **error)
{
  const SpyPythonLayout *layout = reader->layout;
  guint8 header[128];
  guint32 state;
  gint64 length;
  guint kind;
  gboolean compact, ascii;
  guint64 data_addr;
  gsize n_chars, n_bytes;
  g_autofree guint8 *data = NULL;
  g_autoptr(GString) out = NULL;

  if (layout->str_is_bytes)
    return read_byte_str (reader, addr, error);
  if (addr == 0 || (gsize) layout->unicode_compact_size + PTR_SIZE > sizeof header)
    return bad_object (error, "str", addr), NULL;
  if (!spy_memory_read (reader->memory, addr, header, layout->unicode_compact_size + PTR_SIZE, error))
    return NULL;

  memcpy (&state, header + layout->unicode_state, sizeof state);
  memcpy (&length, header + layout->unicode_length, sizeof length);
  kind = (state >> 2) & 7;
  compact = (state >> 5) & 1;
  ascii = (state >> 6) & 1;
  if (length < 0 || (kind != 1 && kind != 2 && kind != 4) || (ascii && kind != 1))
    return bad_object (error, "str", addr), NULL;

  if (compact)
    data_addr = addr + (ascii ? layout->unicode_ascii_size : layout->unicode_compact_size);
  else
    memcpy (&data_addr, header + layout->unicode_compact_size, sizeof data_addr);

  n_chars = MIN ((gsize) length, SPY_MAX_STRING_CHARS);
  n_bytes = n_chars * kind;
  data = g_malloc (n_bytes + 1);
  if (n_bytes > 0 && !spy_memory_read (reader->memory, data_addr, data, n_bytes, error))
    return NULL;

  out = g_string_sized_new (n_bytes + 4);
  for (gsize i = 0; i < n_chars; i++)
    {
      gunichar c;

      if (kind == 1)
        c = data[i];
      else if (kind == 2)
        {
          guint16 u;
          memcpy (&u, data + 2 * i, 2);
          c = u;
        }
      else
        memcpy (&c, data + 4 * i, 4);
      append_code_point (out, c);
    }
  if ((gsize) length > n_chars)
    g_string_append (out, "…");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

GBytes *
spy_pyobject_read_bytes (const SpyPyReader  *reader,
                         guint64             addr,
                         gsize               max_len,
                         GError            **error)
{
  gint64 size;
  g_autofree guint8 *data = NULL;

  if (!spy_memory_read (reader->memory, addr + reader->layout->bytes_size, &size, sizeof size, error))
    return NULL;
  if (size < 0 || (guint64) size > max_len)
    return bad_object (error, "bytes", addr), NULL;
  data = g_malloc (size + 1);
  if (size > 0 && !spy_memory_read (reader->memory, addr + reader->layout->bytes_sval, data, size, error))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&data), size);
}

gboolean
spy_pyobject_long_size (const SpyPyReader  *reader,
                        guint64             addr,
                        guint64            *n_digits,
                        gboolean           *negative,
                        GError            **error)
{
  const SpyPythonLayout *layout = reader->layout;
  gint64 size_or_tag;

  if (!spy_memory_read (reader->memory, addr + layout->long_size, &size_or_tag, sizeof size_or_tag, error))
    return FALSE;
  if (layout->long_lv_tag)
    {
      *n_digits = (guint64) size_or_tag >> 3;
      *negative = (size_or_tag & 3) == 2;
    }
  else
    {
      *negative = size_or_tag < 0;
      *n_digits = *negative ? -(guint64) size_or_tag : (guint64) size_or_tag;
    }
  return TRUE;
}

gboolean
spy_pyobject_read_int (const SpyPyReader  *reader,
                       guint64             addr,
                       gint64             *out,
                       GError            **error)
{
  const SpyPythonLayout *layout = reader->layout;
  guint32 digits[3] = { 0 };
  guint64 ndigits, value = 0;
  gboolean negative;

  /* 2.7: a small int is a PyIntObject, a C long. */
  if (layout->int_ival != SPY_OFFSET_NONE)
    {
      g_autofree char *type = spy_pyobject_type_name (reader, addr);

      if (g_strcmp0 (type, "int") == 0)
        return spy_memory_read (reader->memory, addr + layout->int_ival, out, sizeof *out, error);
    }
  if (!spy_pyobject_long_size (reader, addr, &ndigits, &negative, error))
    return FALSE;
  if (ndigits > 3)
    return bad_object (error, "int", addr);
  if (ndigits > 0 &&
      !spy_memory_read (reader->memory, addr + layout->long_digit, digits, ndigits * 4, error))
    return FALSE;

  /* 30-bit digits, least significant first. */
  for (guint64 i = ndigits; i > 0; i--)
    value = (value << 30) | (digits[i - 1] & 0x3fffffff);
  *out = negative ? -(gint64) value : (gint64) value;
  return TRUE;
}

char *
spy_pyobject_type_name (const SpyPyReader *reader,
                        guint64            addr)
{
  guint64 type, name;
  char buf[64];

  if (!spy_memory_read_ptr (reader->memory, addr + reader->layout->object_type, &type, NULL) ||
      !spy_memory_read_ptr (reader->memory, type + reader->layout->type_name, &name, NULL) ||
      !spy_memory_read (reader->memory, name, buf, sizeof buf, NULL))
    return NULL;
  buf[sizeof buf - 1] = '\0';
  if (!g_utf8_validate (buf, -1, NULL))
    return NULL;
  return g_strdup (buf);
}

/* Entries of a PyDictKeysObject: where they are and how they look. */
typedef struct {
  guint64 entries;     /* address of the first entry */
  gint64  n_entries;   /* dk_nentries */
  guint   entry_size;  /* 24 with a hash, 16 without */
  guint   key_at;      /* offset of the key in an entry */
  guint   value_at;
} DictEntries;

static gboolean
read_keys (const SpyPyReader  *reader,
           guint64             keys,
           DictEntries        *out,
           GError            **error)
{
  const SpyPythonLayout *layout = reader->layout;
  guint8 header[64];
  gint64 n_entries;
  guint64 index_bytes;

  if (layout->dictkeys_indices > (gint64) sizeof header ||
      !spy_memory_read (reader->memory, keys, header, layout->dictkeys_indices, error))
    return FALSE;

  memcpy (&n_entries, header + layout->dictkeys_nentries, sizeof n_entries);
  out->entry_size = 24;
  out->key_at = 8;
  out->value_at = 16;
  if (layout->dictkeys_size != SPY_OFFSET_NONE)
    {
      gint64 size;

      memcpy (&size, header + layout->dictkeys_size, sizeof size);
      if (size <= 0 || size > MAX_DICT_ENTRIES * 2 || (size & (size - 1)) != 0)
        return bad_object (error, "dict", keys);
      index_bytes = size * (size <= 0xff ? 1 : size <= 0xffff ? 2 : 4);
    }
  else
    {
      guint8 log2_size = header[layout->dictkeys_log2_size];
      guint8 log2_index_bytes = header[layout->dictkeys_log2_index_bytes];

      if (log2_size > 20 || log2_index_bytes > 22)
        return bad_object (error, "dict", keys);
      index_bytes = (guint64) 1 << log2_index_bytes;
      if (header[layout->dictkeys_kind] != DICT_KEYS_GENERAL)
        {
          out->entry_size = 16;
          out->key_at = 0;
          out->value_at = 8;
        }
    }
  if (n_entries < 0 || n_entries > MAX_DICT_ENTRIES)
    return bad_object (error, "dict", keys);
  out->entries = keys + layout->dictkeys_indices + index_bytes;
  out->n_entries = n_entries;
  return TRUE;
}

/* Calls @func for each live entry of (@keys, @values); @values is 0 for a
 * combined table, else the first value slot of a split one. */
static gboolean
foreach_entry (const SpyPyReader  *reader,
               guint64             keys,
               guint64             values,
               SpyDictFunc         func,
               gpointer            user_data,
               GError            **error)
{
  DictEntries e = { 0 };
  g_autofree guint8 *entries = NULL;
  g_autofree guint64 *value_slots = NULL;

  if (!read_keys (reader, keys, &e, error))
    return FALSE;
  if (e.n_entries == 0)
    return TRUE;

  entries = g_malloc (e.n_entries * e.entry_size);
  if (!spy_memory_read (reader->memory, e.entries, entries, e.n_entries * e.entry_size, error))
    return FALSE;
  if (values != 0)
    {
      value_slots = g_new (guint64, e.n_entries);
      if (!spy_memory_read (reader->memory, values, value_slots, e.n_entries * PTR_SIZE, error))
        return FALSE;
    }

  for (gint64 i = 0; i < e.n_entries; i++)
    {
      guint64 key, value;

      memcpy (&key, entries + i * e.entry_size + e.key_at, sizeof key);
      if (values != 0)
        value = value_slots[i];
      else
        memcpy (&value, entries + i * e.entry_size + e.value_at, sizeof value);
      if (key == 0 || value == 0)
        continue;
      if (!func (key, value, user_data))
        break;
    }
  return TRUE;
}

/* 2.7: an open hash table of mask + 1 entries (hash, key, value); free
 * slots have no key, deleted ones no value. */
static gboolean
foreach_table_entry (const SpyPyReader  *reader,
                     guint64             dict,
                     SpyDictFunc         func,
                     gpointer            user_data,
                     GError            **error)
{
  const SpyPythonLayout *layout = reader->layout;
  g_autofree guint64 *entries = NULL;
  gint64 mask;
  guint64 table;

  if (!spy_memory_read (reader->memory, dict + layout->dict_mask, &mask, sizeof mask, error) ||
      !spy_memory_read_ptr (reader->memory, dict + layout->dict_table, &table, error))
    return FALSE;
  if (mask < 0 || mask >= 2 * MAX_DICT_ENTRIES || ((mask + 1) & mask) != 0 || table == 0)
    return bad_object (error, "dict", dict);
  entries = g_new (guint64, 3 * (mask + 1));
  if (!spy_memory_read (reader->memory, table, entries, 3 * (mask + 1) * sizeof (guint64), error))
    return FALSE;
  for (gint64 i = 0; i <= mask; i++)
    if (entries[3 * i + 1] != 0 && entries[3 * i + 2] != 0 &&
        !func (entries[3 * i + 1], entries[3 * i + 2], user_data))
      break;
  return TRUE;
}

gboolean
spy_pyobject_dict_foreach (const SpyPyReader  *reader,
                           guint64             dict,
                           SpyDictFunc         func,
                           gpointer            user_data,
                           GError            **error)
{
  const SpyPythonLayout *layout = reader->layout;
  guint64 keys, values;

  if (layout->dict_table != SPY_OFFSET_NONE)
    return foreach_table_entry (reader, dict, func, user_data, error);
  if (!spy_memory_read_ptr (reader->memory, dict + layout->dict_keys, &keys, error) ||
      !spy_memory_read_ptr (reader->memory, dict + layout->dict_values, &values, error))
    return FALSE;
  if (values != 0 && layout->dictvalues_values != SPY_OFFSET_NONE)
    values += layout->dictvalues_values;
  return foreach_entry (reader, keys, values, func, user_data, error);
}

typedef struct {
  const SpyPyReader *reader;
  const char        *key;
  guint64            found;
} DictGet;

static gboolean
dict_get_cb (guint64  key,
             guint64  value,
             gpointer user_data)
{
  DictGet *get = user_data;
  g_autofree char *name = spy_pyobject_read_str (get->reader, key, NULL);

  if (g_strcmp0 (name, get->key) == 0)
    {
      get->found = value;
      return FALSE;
    }
  return TRUE;
}

guint64
spy_pyobject_dict_get (const SpyPyReader  *reader,
                       guint64             dict,
                       const char         *key,
                       GError            **error)
{
  DictGet get = { reader, key, 0 };

  if (!spy_pyobject_dict_foreach (reader, dict, dict_get_cb, &get, error))
    return 0;
  return get.found;
}

/* Attributes kept as values in the type's shared keys (3.11+). */
static guint64
get_from_shared_keys (const SpyPyReader  *reader,
                      guint64             type,
                      guint64             values,
                      const char         *name,
                      GError            **error)
{
  DictGet get = { reader, name, 0 };
  guint64 keys;

  if (!spy_memory_read_ptr (reader->memory, type + reader->layout->heaptype_cached_keys, &keys, error))
    return 0;
  if (keys == 0)
    return 0;
  if (!foreach_entry (reader, keys, values, dict_get_cb, &get, error))
    return 0;
  return get.found;
}

guint64
spy_pyobject_get_attr (const SpyPyReader  *reader,
                       guint64             object,
                       const char         *name,
                       GError            **error)
{
  const SpyPythonLayout *layout = reader->layout;
  guint64 type, flags = 0, dict = 0, values = 0;
  gint64 basicsize = 0, dictoffset = 0;

  if (!spy_memory_read_ptr (reader->memory, object + layout->object_type, &type, error) ||
      !spy_memory_read_ptr (reader->memory, type + layout->type_flags, &flags, error) ||
      !spy_memory_read (reader->memory, type + layout->type_basicsize, &basicsize, sizeof basicsize, error) ||
      !spy_memory_read (reader->memory, type + layout->type_dictoffset, &dictoffset, sizeof dictoffset, error))
    return 0;

  switch (layout->dict_scheme)
    {
    case SPY_DICT_SCHEME_DICTOFFSET:
      if (dictoffset <= 0 || dictoffset > 4096 ||
          !spy_memory_read_ptr (reader->memory, object + dictoffset, &dict, error))
        return 0;
      break;

    case SPY_DICT_SCHEME_MANAGED_311:
      if (!(flags & TPFLAGS_MANAGED_DICT))
        return 0;
      if (!spy_memory_read_ptr (reader->memory, object - 3 * PTR_SIZE, &dict, error) ||
          (dict == 0 && !spy_memory_read_ptr (reader->memory, object - 4 * PTR_SIZE, &values, error)))
        return 0;
      break;

    case SPY_DICT_SCHEME_MANAGED_312:
      if (!(flags & TPFLAGS_MANAGED_DICT) ||
          !spy_memory_read_ptr (reader->memory, object - 3 * PTR_SIZE, &dict, error))
        return 0;
      if (dict & 1)
        {
          values = dict + 1;  /* stored as the values pointer minus one */
          dict = 0;
        }
      break;

    case SPY_DICT_SCHEME_INLINE_313:
      if (!(flags & TPFLAGS_MANAGED_DICT) ||
          !spy_memory_read_ptr (reader->memory, object - 3 * PTR_SIZE, &dict, error))
        return 0;
      if (dict == 0 && (flags & TPFLAGS_INLINE_VALUES))
        {
          guint8 valid;

          /* PyDictValues: capacity, size, embedded, valid, then values. */
          if (basicsize <= 0 || basicsize > 4096 ||
              !spy_memory_read (reader->memory, object + basicsize + 3, &valid, 1, error) || !valid)
            return 0;
          values = object + basicsize;
        }
      break;

    default:
      g_assert_not_reached ();
    }

  if (dict != 0)
    return spy_pyobject_dict_get (reader, dict, name, error);
  if (values != 0)
    {
      if (layout->dictvalues_values != SPY_OFFSET_NONE)
        values += layout->dictvalues_values;
      return get_from_shared_keys (reader, type, values, name, error);
    }
  return 0;
}
