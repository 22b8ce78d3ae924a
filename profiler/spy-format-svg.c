/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-format-svg.c: a self-contained interactive flamegraph (export only) */

#include "config.h"

#include <math.h>
#include <string.h>

#include "spy-format-private.h"

#define SVG_WIDTH    1200
#define SIDE         10      /* margin left and right */
#define ROW          16      /* a frame's height, with 1 px of gap */
#define TOP          60      /* title and controls */
#define BOTTOM       30      /* the details line */
#define LABEL_CHAR_WIDTH   7.2     /* 12 px monospace, for labels that fit */
#define MIN_WIDTH    0.1     /* px: narrower frames are left out */

/* Every target string reaches the document through
 * spy_format_append_xml_text(): in text, in attributes, in titles. The
 * script reads names back from attributes and writes them with
 * textContent, never as markup, and no target string enters the CDATA. */
static const char svg_style[] =
  "text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12px;fill:#000}\n"
  "#title{font-size:17px;text-anchor:middle}\n"
  ".ctl{cursor:pointer;fill:#1a4f8b}\n"
  ".ctl:hover{text-decoration:underline}\n"
  "g.f{cursor:pointer}\n"
  "g.f text{pointer-events:none}\n"
  "g.f:hover rect{stroke:#222;stroke-width:0.6}\n"
  "g.dim rect{opacity:0.5}\n"
  "#matched{text-anchor:end}\n";

static const char svg_script[] =
  "(function () {\n"
  "  'use strict';\n"
  "  var SIDE = " G_STRINGIFY (SIDE) ", CW = " G_STRINGIFY (LABEL_CHAR_WIDTH) ";\n"
  "  var doc = document, root = doc.getElementById('frames');\n"
  "  var W = +root.getAttribute('data-width') - 2 * SIDE;\n"
  "  var total = +root.getAttribute('data-total');\n"
  "  var frames = Array.prototype.slice.call(root.getElementsByTagName('g'));\n"
  "  var details = doc.getElementById('details'), matched = doc.getElementById('matched');\n"
  "  var resetZoom = doc.getElementById('reset-zoom'), zoomed = false;\n"
  "  function num(g, a) { return +g.getAttribute(a); }\n"
  "  function describe(g) {\n"
  "    var s = num(g, 'data-s'), where = g.getAttribute('data-l');\n"
  "    return g.getAttribute('data-n') + (where ? ' (' + where + ')' : '') + ': ' +\n"
  "      s + (s === 1 ? ' sample, ' : ' samples, ') + (100 * s / total).toFixed(2) + '%';\n"
  "  }\n"
  "  function fit(g, width) {\n"
  "    var name = g.getAttribute('data-n'), n = Math.floor((width - 6) / CW);\n"
  "    if (n < 3) return '';\n"
  "    return name.length <= n ? name : name.substring(0, n - 2) + '..';\n"
  "  }\n"
  "  function place(g, x, w) {\n"
  "    var r = g.getElementsByTagName('rect')[0], t = g.getElementsByTagName('text')[0];\n"
  "    r.setAttribute('x', (SIDE + x).toFixed(2));\n"
  "    r.setAttribute('width', Math.max(w - 0.5, 0.1).toFixed(2));\n"
  "    t.setAttribute('x', (SIDE + x + 3).toFixed(2));\n"
  "    t.textContent = fit(g, w);\n"
  "    g.style.display = '';\n"
  "  }\n"
  "  function zoom(z) {\n"
  "    var x0 = num(z, 'data-x'), w0 = num(z, 'data-s'), d0 = num(z, 'data-d');\n"
  "    frames.forEach(function (g) {\n"
  "      var x = num(g, 'data-x'), w = num(g, 'data-s'), d = num(g, 'data-d');\n"
  "      if (d >= d0 && x >= x0 && x + w <= x0 + w0) {\n"
  "        place(g, (x - x0) / w0 * W, w / w0 * W);\n"
  "        g.classList.remove('dim');\n"
  "      } else if (d < d0 && x <= x0 && x + w >= x0 + w0) {\n"
  "        place(g, 0, W);\n"
  "        g.classList.add('dim');\n"
  "      } else {\n"
  "        g.style.display = 'none';\n"
  "      }\n"
  "    });\n"
  "    zoomed = num(z, 'data-d') > 0;\n"
  "    resetZoom.style.opacity = zoomed ? '1' : '0';\n"
  "  }\n"
  "  function search(text) {\n"
  "    var re = null, spans = [], sum = 0, end = -1;\n"
  "    try { re = new RegExp(text); } catch (e) {\n"
  "      re = new RegExp(text.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&'));\n"
  "    }\n"
  "    frames.forEach(function (g) {\n"
  "      var r = g.getElementsByTagName('rect')[0];\n"
  "      var hit = text !== '' && (re.test(g.getAttribute('data-n')) || re.test(g.getAttribute('data-l')));\n"
  "      r.setAttribute('fill', hit ? 'rgb(200,60,220)' : g.getAttribute('data-c'));\n"
  "      if (hit) spans.push([num(g, 'data-x'), num(g, 'data-x') + num(g, 'data-s')]);\n"
  "    });\n"
  "    /* Nested matches count once: the union of their sample ranges. */\n"
  "    spans.sort(function (a, b) { return a[0] - b[0]; });\n"
  "    spans.forEach(function (s) {\n"
  "      if (s[1] <= end) return;\n"
  "      sum += s[1] - Math.max(s[0], end);\n"
  "      end = s[1];\n"
  "    });\n"
  "    matched.textContent = text === '' ? '' :\n"
  "      'Matched: ' + (total ? 100 * sum / total : 0).toFixed(1) + '% (click to clear)';\n"
  "  }\n"
  "  function ask() {\n"
  "    var text = window.prompt('Search frames (a regular expression):', '');\n"
  "    if (text !== null) search(text);\n"
  "  }\n"
  "  frames.forEach(function (g) {\n"
  "    g.addEventListener('click', function () { zoom(g); });\n"
  "    g.addEventListener('mouseover', function () { details.textContent = describe(g); });\n"
  "    g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
  "  });\n"
  "  resetZoom.addEventListener('click', function () { if (frames.length) zoom(frames[0]); });\n"
  "  doc.getElementById('search').addEventListener('click', ask);\n"
  "  matched.addEventListener('click', function () { search(''); });\n"
  "  window.addEventListener('keydown', function (e) {\n"
  "    if ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F')) { e.preventDefault(); ask(); }\n"
  "    else if (e.key === 'Escape') { if (frames.length) zoom(frames[0]); search(''); }\n"
  "  });\n"
  "})();\n";

typedef struct {
  GString                *out;
  SpyProfile             *profile;
  const SpyExportOptions *options;
  guint64                 total;     /* samples under the root */
  double                  scale;     /* px per sample */
  guint32                 rows;      /* depth levels, root included */
} Svg;

static guint
hash_name (const char *name)
{
  guint h = 2166136261u;

  for (const char *p = name; *p != '\0'; p++)
    h = (h ^ (guchar) *p) * 16777619u;
  return h;
}

/* Warm colors for Python, cool for native code, grey for idle: stable per
 * file, so a module keeps its color across profiles. */
static void
frame_color (const SpyProfileFrame *frame,
             const char            *file,
             char                  *buf,
             gsize                  size)
{
  guint h = hash_name (file);
  double hue, sat = 0.70 + (h >> 8) % 25 / 100.0, light = 0.55 + (h >> 16) % 12 / 100.0;
  double c, x, m, r, g, b;

  if (frame == NULL || frame->kind == SPY_FRAME_IDLE)
    {
      g_snprintf (buf, size, "rgb(%u,%u,%u)", 190 + h % 20, 190 + h % 20, 190 + h % 20);
      return;
    }
  hue = frame->kind == SPY_FRAME_NATIVE ? 190 + h % 40 : h % 50;
  c = (1 - fabs (2 * light - 1)) * sat;
  x = c * (1 - fabs (fmod (hue / 60, 2) - 1));
  m = light - c / 2;
  /* HSL to RGB for the two sextants used: red-yellow and cyan-blue. */
  if (hue < 60)
    r = c, g = x, b = 0;
  else
    r = 0, g = x, b = c;
  g_snprintf (buf, size, "rgb(%d,%d,%d)", (int) ((r + m) * 255), (int) ((g + m) * 255),
              (int) ((b + m) * 255));
}

/* The label that fits @width px: whole, cut with "..", or none. */
static void
append_label (GString    *out,
              const char *name,
              double      width)
{
  glong fits = (glong) ((width - 6) / LABEL_CHAR_WIDTH);
  glong len = g_utf8_strlen (name, -1);
  g_autofree char *cut = NULL;

  if (fits < 3)
    return;
  if (len <= fits)
    {
      spy_format_append_xml_text (out, name);
      return;
    }
  cut = g_strndup (name, g_utf8_offset_to_pointer (name, fits - 2) - name);
  spy_format_append_xml_text (out, cut);
  g_string_append (out, "..");
}

static void
emit_frame (Svg                   *svg,
            const SpyProfileFrame *frame,
            const char            *name,
            const char            *location,
            guint64                x,
            guint64                samples,
            guint32                depth)
{
  GString *out = svg->out;
  double px = SIDE + x * svg->scale, width = samples * svg->scale;
  guint y = TOP + (svg->rows - 1 - depth) * ROW;    /* the root at the bottom */
  char color[32];

  frame_color (frame, location, color, sizeof color);
  g_string_append (out, "<g class=\"f\" data-n=\"");
  spy_format_append_xml_text (out, name);
  g_string_append (out, "\" data-l=\"");
  spy_format_append_xml_text (out, location);
  g_string_append_printf (out, "\" data-c=\"%s\" data-x=\"%" G_GUINT64_FORMAT "\" data-s=\"%"
                          G_GUINT64_FORMAT "\" data-d=\"%u\"><title>", color, x, samples, depth);
  spy_format_append_xml_text (out, name);
  if (location[0] != '\0')
    {
      g_string_append (out, " (");
      spy_format_append_xml_text (out, location);
      g_string_append (out, ")");
    }
  g_string_append_printf (out, ": %" G_GUINT64_FORMAT " samples, %.2f%%</title>",
                          samples, svg->total > 0 ? 100.0 * samples / svg->total : 0.0);
  g_string_append_printf (out, "<rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%d\" rx=\"2\" fill=\"%s\"/>",
                          px, y, MAX (width - 0.5, 0.1), ROW - 1, color);
  g_string_append_printf (out, "<text x=\"%.2f\" y=\"%u\">", px + 3, y + ROW - 4);
  append_label (out, name, width);
  g_string_append (out, "</text></g>\n");
}

static void
emit_node (Svg                   *svg,
           const SpyCallTreeNode *node,
           guint64                x,
           guint32                depth)
{
  const SpyProfileFrame *frame = spy_profile_get_frame (svg->profile, node->frame);
  g_autofree char *file = spy_format_file_name (svg->options, spy_profile_get_string (svg->profile, frame->file));
  g_autofree char *location = NULL;

  if (svg->options->aggregation == SPY_AGGREGATE_LINE && frame->line > 0)
    location = g_strdup_printf ("%s:%d", file, frame->line);
  else
    location = g_steal_pointer (&file);
  emit_frame (svg, frame, spy_profile_get_string (svg->profile, frame->function), location,
              x, node->total, depth);
}

/* Every node of @tree wide enough to see, depth first, its children from
 * its left edge: the first node at @x0, @depth0 levels up. */
static void
emit_tree (Svg         *svg,
           SpyCallTree *tree,
           guint64      x0,
           guint32      depth0)
{
  g_autofree guint64 *next_x = g_new0 (guint64, spy_call_tree_get_max_depth (tree) + 2);
  guint32 id = spy_call_tree_get_node (tree, 0)->first_child;

  next_x[1] = x0;
  while (id != SPY_CALL_TREE_NONE)
    {
      const SpyCallTreeNode *n = spy_call_tree_get_node (tree, id);
      guint64 x = next_x[n->depth];
      gboolean visible = n->total * svg->scale >= MIN_WIDTH;

      next_x[n->depth] += n->total;
      if (visible)
        emit_node (svg, n, x, depth0 + n->depth - 1);
      if (visible && n->first_child != SPY_CALL_TREE_NONE)
        {
          next_x[n->depth + 1] = x;
          id = n->first_child;
          continue;
        }
      while (n->next_sibling == SPY_CALL_TREE_NONE && n->parent != 0)
        n = spy_call_tree_get_node (tree, n->parent);
      id = n->next_sibling;
    }
}

static void
emit_header (Svg        *svg,
             guint       height,
             const char *title)
{
  GString *out = svg->out;
  const SpyProfileMeta *meta = spy_profile_get_meta (svg->profile);

  g_string_append_printf (out,
                          "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
                          "<svg version=\"1.1\" width=\"%d\" height=\"%u\" viewBox=\"0 0 %d %u\" "
                          "xmlns=\"http://www.w3.org/2000/svg\">\n"
                          "<style type=\"text/css\"><![CDATA[\n%s]]></style>\n"
                          "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%u\" fill=\"#fbf7ef\"/>\n"
                          "<text id=\"title\" x=\"%d\" y=\"24\">",
                          SVG_WIDTH, height, SVG_WIDTH, height, svg_style, SVG_WIDTH, height,
                          SVG_WIDTH / 2);
  spy_format_append_xml_text (out, title);
  g_string_append_printf (out, "</text>\n<text x=\"%d\" y=\"44\" style=\"text-anchor:middle;fill:#555\">",
                          SVG_WIDTH / 2);
  g_string_append_printf (out, "%" G_GUINT64_FORMAT " samples", svg->total);
  if (meta->command_line != NULL && meta->command_line[0] != '\0')
    {
      g_autofree char *valid = g_utf8_make_valid (meta->command_line, -1);

      g_string_append (out, " of ");
      spy_format_append_xml_text (out, valid);
    }
  g_string_append_printf (out, "</text>\n"
                          "<text id=\"reset-zoom\" class=\"ctl\" x=\"%d\" y=\"24\" style=\"opacity:0\">Reset zoom</text>\n"
                          "<text id=\"search\" class=\"ctl\" x=\"%d\" y=\"24\" style=\"text-anchor:end\">Search (Ctrl+F)</text>\n"
                          "<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n"
                          "<text id=\"matched\" class=\"ctl\" x=\"%d\" y=\"%u\"> </text>\n",
                          SIDE, SVG_WIDTH - SIDE, SIDE, height - 10, SVG_WIDTH - SIDE, height - 10);
}

static char *
thread_label (SpyProfile *profile,
              guint32     index)
{
  g_autofree char *label = spy_profile_dup_thread_label (profile, index);

  return g_strdup_printf ("thread (%s)", label);
}

/* One tree, or with per_thread one per thread that has samples. */
static GPtrArray *
make_trees (SpyProfile             *profile,
            const SpyExportOptions *options,
            guint64                *total,
            guint32                *max_depth)
{
  GPtrArray *trees = g_ptr_array_new_with_free_func ((GDestroyNotify) spy_call_tree_unref);
  SpyProfileFilter filter;
  guint n = options->per_thread ? spy_profile_get_n_threads (profile) : 1;

  spy_format_filter_init (&filter, options);
  *total = 0;
  *max_depth = 0;
  for (guint t = 0; t < n; t++)
    {
      SpyCallTree *tree;

      filter.thread = options->per_thread ? (gint64) t : -1;
      tree = spy_call_tree_new (profile, &filter);
      *total += spy_call_tree_get_node (tree, 0)->total;
      *max_depth = MAX (*max_depth, spy_call_tree_get_max_depth (tree));
      g_ptr_array_add (trees, tree);
    }
  return trees;
}

GBytes *
spy_format_svg_save (SpyProfile             *profile,
                     const SpyExportOptions *options,
                     GError                **error)
{
  static const SpyExportOptions defaults = SPY_EXPORT_OPTIONS_INIT;
  g_autoptr(GPtrArray) trees = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  Svg svg = { out, profile, options != NULL ? options : &defaults, 0, 0, 0 };
  guint32 max_depth;
  guint64 x = 0;
  guint height;

  g_return_val_if_fail (SPY_IS_PROFILE (profile), NULL);

  trees = make_trees (profile, svg.options, &svg.total, &max_depth);
  svg.rows = 1 + max_depth + (svg.options->per_thread ? 1 : 0);
  svg.scale = svg.total > 0 ? (double) (SVG_WIDTH - 2 * SIDE) / svg.total : 0;
  height = TOP + svg.rows * ROW + BOTTOM;

  emit_header (&svg, height, svg.options->title != NULL ? svg.options->title : "Flame graph");
  g_string_append_printf (out, "<g id=\"frames\" data-width=\"%d\" data-total=\"%" G_GUINT64_FORMAT "\">\n",
                          SVG_WIDTH, svg.total);
  emit_frame (&svg, NULL, "all", "", 0, svg.total, 0);
  for (guint t = 0; t < trees->len; t++)
    {
      SpyCallTree *tree = g_ptr_array_index (trees, t);
      guint64 samples = spy_call_tree_get_node (tree, 0)->total;
      g_autofree char *label = NULL;

      if (samples == 0)
        continue;
      if (svg.options->per_thread)
        {
          label = thread_label (profile, t);
          emit_frame (&svg, NULL, label, "", x, samples, 1);
        }
      emit_tree (&svg, tree, x, svg.options->per_thread ? 2 : 1);
      x += samples;
    }
  g_string_append_printf (out, "</g>\n<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n</svg>\n",
                          svg_script);
  return g_string_free_to_bytes (g_steal_pointer (&out));
}
