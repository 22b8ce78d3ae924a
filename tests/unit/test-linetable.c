/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-linetable.c: line tables against the real interpreters' own answers */

#include <string.h>

#include "spy-linetable.h"
#include "linetable-fixtures.h"

static SpyLinetableKind
kind_for_minor (int minor)
{
  if (minor <= 9)
    return SPY_LINETABLE_LNOTAB;
  if (minor == 10)
    return SPY_LINETABLE_310;
  return SPY_LINETABLE_LOCATIONS;
}

static guint
count_fixtures (int minor)
{
  guint n = 0;

  for (guint s = 0; s < G_N_ELEMENTS (linetable_fixture_sets); s++)
    if (linetable_fixture_sets[s].minor == minor)
      n += linetable_fixture_sets[s].n_fixtures;
  return n;
}

static void
check_fixture (const char             *version,
               const LinetableFixture *fixture)
{
  g_autoptr(SpyLineTable) table = NULL;

  table = spy_line_table_new (kind_for_minor (fixture->minor),
                              (const guint8 *) fixture->table,
                              fixture->table_len, fixture->firstlineno);
  g_assert_nonnull (table);

  for (guint i = 0; i < fixture->n_lines; i++)
    {
      int got = spy_line_table_lookup (table, 2 * i);

      if (got != fixture->lines[i])
        g_error ("Python %s, %s: byte offset %u: expected line %d, got %d",
                 version, fixture->name, 2 * i, fixture->lines[i], got);
    }

  g_assert_cmpint (spy_line_table_lookup (table, -2), ==, fixture->negative_line);
}

/* Every instruction of every code object, compared with PyCode_Addr2Line
 * of each interpreter of this minor version. */
static void
test_every_offset (gconstpointer data)
{
  int minor = GPOINTER_TO_INT (data);
  guint n_checked = 0;

  g_assert_cmpuint (count_fixtures (minor), >, 0);

  for (guint s = 0; s < G_N_ELEMENTS (linetable_fixture_sets); s++)
    {
      const LinetableFixtureSet *set = &linetable_fixture_sets[s];

      if (set->minor != minor)
        continue;
      for (guint f = 0; f < set->n_fixtures; f++)
        {
          check_fixture (set->version, &set->fixtures[f]);
          n_checked += set->fixtures[f].n_lines;
        }
    }

  g_test_message ("3.%d: %u offsets checked", minor, n_checked);
}

static void
assert_sane_line (int line)
{
  g_assert_cmpint (line, >=, -1);
}

/* Bytes of bytecode described by the entries that lie wholly inside the
 * first @len bytes of @table. */
static gsize
covered_bytes (int           minor,
               const guint8 *table,
               gsize         full_len,
               gsize         len)
{
  gsize covered = 0;

  if (minor <= 10)
    {
      for (gsize i = 0; i + 1 < len; i += 2)
        covered += table[i];
      return covered;
    }

  for (gsize i = 0; i < len; i++)
    {
      gsize next = i + 1;

      if ((table[i] & 0x80) == 0)
        continue;
      while (next < full_len && (table[next] & 0x80) == 0)
        next++;
      if (next > len)
        break;
      covered += ((table[i] & 7) + 1) * 2;
    }
  return covered;
}

/* Every prefix of every real table: CPython never sees these, but a
 * sampler reading a table that is being freed may.  Offsets covered by
 * complete entries must keep their line; the rest may be anything sane. */
static void
test_truncated (gconstpointer data)
{
  int minor = GPOINTER_TO_INT (data);
  guint n_checked = 0;

  for (guint s = 0; s < G_N_ELEMENTS (linetable_fixture_sets); s++)
    {
      const LinetableFixtureSet *set = &linetable_fixture_sets[s];

      if (set->minor != minor)
        continue;
      for (guint f = 0; f < set->n_fixtures; f++)
        {
          const LinetableFixture *fixture = &set->fixtures[f];
          gsize step = MAX (fixture->table_len / 64, 1);

          for (gsize len = 0; len < fixture->table_len; len += step)
            {
              g_autofree guint8 *copy = g_memdup2 ((const guint8 *) fixture->table, MAX (len, 1));
              g_autoptr(SpyLineTable) table = NULL;
              gsize covered;

              table = spy_line_table_new (kind_for_minor (minor), copy, len,
                                          fixture->firstlineno);
              covered = covered_bytes (minor, (const guint8 *) fixture->table,
                                       fixture->table_len, len);
              for (guint i = 0; i < fixture->n_lines + 4; i++)
                {
                  int got = spy_line_table_lookup (table, 2 * i);

                  if (2 * i < covered && i < fixture->n_lines)
                    g_assert_cmpint (got, ==, fixture->lines[i]);
                  else
                    assert_sane_line (got);
                }
              n_checked++;
            }
        }
    }

  g_test_message ("3.%d: %u truncated tables", minor, n_checked);
}

/* A regenerated header that lost an interpreter must not pass quietly. */
static void
test_fixtures_cover_all_versions (void)
{
  guint n_sets[14] = { 0 };

  for (guint s = 0; s < G_N_ELEMENTS (linetable_fixture_sets); s++)
    {
      int minor = linetable_fixture_sets[s].minor;

      g_assert_cmpint (minor, >=, 8);
      g_assert_cmpint (minor, <=, 13);
      g_assert_cmpuint (linetable_fixture_sets[s].n_fixtures, >, 0);
      n_sets[minor]++;
    }

  for (int minor = 8; minor <= 13; minor++)
    g_assert_cmpuint (n_sets[minor], >=, 1);
  /* Two 3.11 builds: pyenv's and the system's. */
  g_assert_cmpuint (n_sets[11], ==, 2);
}

typedef struct {
  int offset;
  int line;
} Expect;

static void
check_expectations (SpyLinetableKind  kind,
                    const guint8     *bytes,
                    gsize             len,
                    int               firstlineno,
                    const Expect     *expect,
                    gsize             n_expect)
{
  g_autoptr(SpyLineTable) table = spy_line_table_new (kind, bytes, len, firstlineno);

  for (gsize i = 0; i < n_expect; i++)
    {
      int got = spy_line_table_lookup (table, expect[i].offset);

      if (got != expect[i].line)
        g_error ("offset %d: expected line %d, got %d",
                 expect[i].offset, expect[i].line, got);
    }
}

/* Hand-decoded following Objects/lnotab_notes.txt of 3.8: zero address
 * increments stack line changes, negative increments go back, a 255 pair
 * with no line change just moves the address. */
static void
test_lnotab_hand_decoded (void)
{
  static const guint8 bytes[] = { 0, 1, 6, 1, 4, 0xfe, 255, 0, 1, 3 };
  static const Expect expect[] = {
    { 0, 11 }, { 4, 11 }, { 6, 12 }, { 8, 12 }, { 10, 10 }, { 264, 10 },
    { 265, 10 }, { 266, 13 }, { 100000, 13 }, { -2, 10 },
  };

  check_expectations (SPY_LINETABLE_LNOTAB, bytes, sizeof bytes, 10,
                      expect, G_N_ELEMENTS (expect));
}

/* An empty lnotab puts every instruction on the first line. */
static void
test_lnotab_empty (void)
{
  static const Expect expect[] = { { 0, 7 }, { 2, 7 }, { 5000, 7 } };

  check_expectations (SPY_LINETABLE_LNOTAB, NULL, 0, 7, expect, G_N_ELEMENTS (expect));
}

/* -128 is "no line" and leaves the running line where it was. */
static void
test_310_no_line_marker (void)
{
  static const guint8 bytes[] = { 4, 1, 2, 0x80, 2, 0, 0, 5, 6, 0xfb };
  static const Expect expect[] = {
    { 0, 6 }, { 2, 6 }, { 4, -1 }, { 6, 6 }, { 8, 6 }, { 12, 6 },
    { 14, -1 }, { -2, 5 },
  };

  check_expectations (SPY_LINETABLE_310, bytes, sizeof bytes, 5,
                      expect, G_N_ELEMENTS (expect));
}

static void
test_310_empty (void)
{
  static const Expect expect[] = { { 0, -1 }, { 2, -1 }, { -2, 3 } };

  check_expectations (SPY_LINETABLE_310, NULL, 0, 3, expect, G_N_ELEMENTS (expect));
}

/* One entry of each kind, hand-encoded from Objects/locations.md. */
static void
test_locations_each_kind (void)
{
  static const guint8 bytes[] = {
    0x80 | (13 << 3) | 0, 0x58, 0x09,  /* no column, +300, 1 unit */
    0x80 | (14 << 3) | 1, 0x0b, 0x00, 0x03, 0x07,  /* long, -5, 2 units */
    0x80 | (10 << 3) | 0, 4, 9,        /* one line +0 */
    0x80 | (11 << 3) | 2, 4, 9,        /* one line +1, 3 units */
    0x80 | (12 << 3) | 0, 4, 9,        /* one line +2 */
    0x80 | (15 << 3) | 3,              /* no location, 4 units */
    0x80 | (3 << 3) | 7, 0x12,         /* short form, same line, 8 units */
    0x80 | (13 << 3) | 0, 0x01,        /* no column, -0 */
    0x80 | (13 << 3) | 0, 0x03,        /* no column, -1 */
  };
  static const Expect expect[] = {
    { 0, 300 },                 /* 0 + 300 */
    { 2, 295 }, { 4, 295 },
    { 6, 295 },
    { 8, 296 }, { 12, 296 },
    { 14, 298 },
    { 16, -1 }, { 22, -1 },
    { 24, 298 }, { 38, 298 },
    { 40, 298 },
    { 42, 297 },
    { 44, -1 }, { -2, 0 },
  };

  check_expectations (SPY_LINETABLE_LOCATIONS, bytes, sizeof bytes, 0,
                      expect, G_N_ELEMENTS (expect));
}

/* Bytes with bit 7 clear where an entry should start are skipped, the way
 * CPython finds the next entry. */
static void
test_locations_resync (void)
{
  static const guint8 bytes[] = {
    0x01, 0x02,                    /* stray */
    0x80 | (11 << 3) | 0, 1, 2,    /* +1 */
    0x80 | (11 << 3) | 0, 1, 2, 3, 4, 5,  /* +1, extra column bytes */
  };
  static const Expect expect[] = { { 0, 11 }, { 2, 12 }, { 4, -1 } };

  check_expectations (SPY_LINETABLE_LOCATIONS, bytes, sizeof bytes, 10,
                      expect, G_N_ELEMENTS (expect));
}

/* Varints that never end or would shift past any int stop decoding
 * cleanly; entries before them keep their lines. */
static void
test_locations_bad_varints (void)
{
  guint8 bytes[64];
  g_autoptr(SpyLineTable) truncated = NULL;
  g_autoptr(SpyLineTable) endless = NULL;

  bytes[0] = 0x80 | (11 << 3) | 0;
  bytes[1] = 1;
  bytes[2] = 2;
  bytes[3] = 0x80 | (14 << 3) | 0;
  memset (bytes + 4, 0x7f, sizeof bytes - 4);

  endless = spy_line_table_new (SPY_LINETABLE_LOCATIONS, bytes, sizeof bytes, 1);
  g_assert_cmpint (spy_line_table_lookup (endless, 0), ==, 2);
  assert_sane_line (spy_line_table_lookup (endless, 2));

  /* Ends in the middle of the varint. */
  truncated = spy_line_table_new (SPY_LINETABLE_LOCATIONS, bytes, 6, 1);
  g_assert_cmpint (spy_line_table_lookup (truncated, 0), ==, 2);
  assert_sane_line (spy_line_table_lookup (truncated, 2));
}

/* Deltas that push lines past int or below zero, and odd lengths. */
static void
test_huge_deltas (void)
{
  guint8 bytes[4096];
  SpyLinetableKind kinds[] = {
    SPY_LINETABLE_LNOTAB, SPY_LINETABLE_310, SPY_LINETABLE_LOCATIONS,
  };
  int firstlines[] = { 0, 1, -1, G_MAXINT, G_MININT, G_MAXINT - 100 };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint f = 0; f < G_N_ELEMENTS (firstlines); f++)
      for (guint pattern = 0; pattern < 4; pattern++)
        {
          static const guint8 fill[] = { 0xff, 0x7f, 0x80, 0xf7 };
          g_autoptr(SpyLineTable) table = NULL;

          memset (bytes, fill[pattern], sizeof bytes);
          /* Long-form entries with the largest six-byte varint. */
          if (pattern == 3)
            for (gsize i = 0; i + 7 <= sizeof bytes; i += 7)
              {
                bytes[i] = 0x80 | (14 << 3) | 7;
                memset (bytes + i + 1, 0x7f, 5);
                bytes[i + 6] = 0x3e;
              }

          table = spy_line_table_new (kinds[k], bytes, sizeof bytes - 1, firstlines[f]);
          assert_sane_line (spy_line_table_lookup (table, 0));
          assert_sane_line (spy_line_table_lookup (table, 1000));
          assert_sane_line (spy_line_table_lookup (table, G_MAXINT));
          assert_sane_line (spy_line_table_lookup (table, G_MININT));
        }
}

/* Random tables of random lengths: no crash, no hang, sane answers. */
static void
test_random_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x5b761a55);

  for (guint iter = 0; iter < 3000; iter++)
    {
      gsize len = g_rand_int_range (rand, 0, 600);
      g_autofree guint8 *bytes = g_malloc (MAX (len, 1));
      SpyLinetableKind kind = iter % 3;
      int firstlineno = g_rand_int_range (rand, -5, 100000);
      g_autoptr(SpyLineTable) table = NULL;

      for (gsize i = 0; i < len; i++)
        bytes[i] = g_rand_int (rand);

      table = spy_line_table_new (kind, bytes, len, firstlineno);
      for (guint j = 0; j < 64; j++)
        assert_sane_line (spy_line_table_lookup (table, g_rand_int_range (rand, -4, 200000)));
      assert_sane_line (spy_line_table_lookup (table, G_MAXINT));
    }
}

/* A table with more entries than the cap keeps its first ranges. */
static void
test_range_cap (void)
{
  gsize n_entries = (1 << 20) + 1000;
  g_autofree guint8 *bytes = g_malloc (n_entries * 3);
  g_autoptr(SpyLineTable) table = NULL;

  for (gsize i = 0; i < n_entries; i++)
    {
      bytes[3 * i] = 0x80 | (11 << 3) | 0;  /* one unit, next line */
      bytes[3 * i + 1] = 0;
      bytes[3 * i + 2] = 1;
    }

  table = spy_line_table_new (SPY_LINETABLE_LOCATIONS, bytes, n_entries * 3, 0);
  g_assert_cmpint (spy_line_table_lookup (table, 0), ==, 1);
  g_assert_cmpint (spy_line_table_lookup (table, 2 * 1000), ==, 1001);
  g_assert_cmpint (spy_line_table_lookup (table, 2 * ((1 << 20) - 1)), ==, 1 << 20);
  g_assert_cmpint (spy_line_table_lookup (table, 2 * ((1 << 20) + 500)), ==, -1);
}

/* Byte offsets that would pass G_MAXINT end the table instead of wrapping
 * around onto small offsets. */
static void
test_offsets_past_int (void)
{
  gsize n_pairs = G_MAXINT / 255 + 1000;
  g_autofree guint8 *bytes = g_malloc (n_pairs * 2);
  SpyLinetableKind kinds[] = { SPY_LINETABLE_LNOTAB, SPY_LINETABLE_310 };

  for (gsize i = 0; i < n_pairs; i++)
    {
      bytes[2 * i] = 255;
      bytes[2 * i + 1] = 0;
    }
  bytes[1] = 1;

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr(SpyLineTable) table = spy_line_table_new (kinds[k], bytes, n_pairs * 2, 41);

      g_assert_cmpint (spy_line_table_lookup (table, 1000), ==, 42);
      g_assert_cmpint (spy_line_table_lookup (table, G_MAXINT - 1000), ==, 42);
      assert_sane_line (spy_line_table_lookup (table, G_MAXINT));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (int minor = 8; minor <= 13; minor++)
    {
      g_autofree char *every = g_strdup_printf ("/linetable/py3%d/every-offset", minor);
      g_autofree char *prefix = g_strdup_printf ("/linetable/py3%d/truncated-tables", minor);

      g_test_add_data_func (every, GINT_TO_POINTER (minor), test_every_offset);
      g_test_add_data_func (prefix, GINT_TO_POINTER (minor), test_truncated);
    }

  g_test_add_func ("/linetable/fixtures/all-versions-present", test_fixtures_cover_all_versions);
  g_test_add_func ("/linetable/lnotab/hand-decoded", test_lnotab_hand_decoded);
  g_test_add_func ("/linetable/lnotab/empty-is-first-line", test_lnotab_empty);
  g_test_add_func ("/linetable/py310/no-line-marker", test_310_no_line_marker);
  g_test_add_func ("/linetable/py310/empty-has-no-lines", test_310_empty);
  g_test_add_func ("/linetable/locations/each-entry-kind", test_locations_each_kind);
  g_test_add_func ("/linetable/locations/resync-after-stray-bytes", test_locations_resync);
  g_test_add_func ("/linetable/locations/bad-varints-stop-cleanly", test_locations_bad_varints);
  g_test_add_func ("/linetable/garbage/huge-deltas", test_huge_deltas);
  g_test_add_func ("/linetable/garbage/random-bytes", test_random_garbage);
  g_test_add_func ("/linetable/garbage/range-cap", test_range_cap);
  g_test_add_func ("/linetable/garbage/offsets-past-int", test_offsets_past_int);

  return g_test_run ();
}
