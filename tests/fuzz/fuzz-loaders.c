/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-loaders.c: libFuzzer feeds every profile loader hostile files */

#include "config.h"

#include <string.h>

#include "spy-format-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

typedef enum {
  INPUT_SPYPROF,         /* the rest as our JSON, uncompressed */
  INPUT_SPYPROF_GZIP,    /* the rest gzipped first: the container's path */
  INPUT_SPEEDSCOPE,
  INPUT_COLLAPSED,
  INPUT_SNIFFED,         /* spy_profile_load_bytes picks */
  N_INPUTS
} Input;

static GBytes *
gzip (GBytes *bytes)
{
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
  g_autoptr(GInputStream) mem = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GInputStream) in = g_converter_input_stream_new (mem, G_CONVERTER (z));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL) >= 0);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static SpyProfile *
load (Input    input,
      GBytes  *bytes,
      GError **error)
{
  g_autoptr(GBytes) compressed = NULL;

  switch (input)
    {
    case INPUT_SPYPROF:
      return spy_format_spyprof_load (bytes, error);
    case INPUT_SPYPROF_GZIP:
      compressed = gzip (bytes);
      return spy_format_spyprof_load (compressed, error);
    case INPUT_SPEEDSCOPE:
      return spy_format_speedscope_load (bytes, error);
    case INPUT_COLLAPSED:
      return spy_format_collapsed_load (bytes, error);
    case INPUT_SNIFFED:
    case N_INPUTS:
    default:
      return spy_profile_load_bytes (bytes, error);
    }
}

/* Whatever a loader accepts, every exporter handles, and our own format
 * gives back exactly. */
static void
export_all (SpyProfile *profile)
{
  SpyExportOptions options = SPY_EXPORT_OPTIONS_INIT;
  g_autoptr(GBytes) spyprof = spy_format_spyprof_save (profile, NULL);
  g_autoptr(GBytes) speedscope = NULL;
  g_autoptr(GBytes) collapsed = NULL;
  g_autoptr(GBytes) svg = NULL;
  g_autoptr(SpyProfile) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *why = NULL;

  again = spy_format_spyprof_load (spyprof, &error);
  if (again == NULL)
    g_error ("a loaded profile does not load back: %s", error->message);
  if (!spy_profile_equal (profile, again, &why))
    g_error ("a loaded profile comes back different: %s", why);

  options.per_thread = spy_profile_get_n_samples (profile) % 2;
  options.aggregation = spy_profile_get_n_frames (profile) % 2 ? SPY_AGGREGATE_FUNCTION : SPY_AGGREGATE_LINE;
  speedscope = spy_format_speedscope_save (profile, &options, NULL);
  collapsed = spy_format_collapsed_save (profile, &options, NULL);
  svg = spy_format_svg_save (profile, &options, NULL);
  g_assert (speedscope != NULL && collapsed != NULL && svg != NULL);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpyProfile) profile = NULL;

  if (size < 1)
    return 0;
  /* Millions of samples are legal but only slow the search down. */
  spy_format_max_samples = 100000;
  /* A copy of exactly the input: reads past it are ASan errors. */
  bytes = g_bytes_new (data + 1, size - 1);
  profile = load (data[0] % N_INPUTS, bytes, &error);
  g_assert ((profile == NULL) == (error != NULL));
  if (error != NULL)
    g_assert (error->message != NULL && error->message[0] != '\0');
  if (profile != NULL)
    export_all (profile);
  return 0;
}
