/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-flamegraph.c: a zoomable flamegraph of a call tree, drawn with cairo */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "spy-flamegraph.h"
#include "spy-flamegraph-render.h"

#define ZOOM_ANIMATION_US  150000
#define MAX_LAYOUT_SCALE   4096.0   /* deepest horizontal zoom */
#define DRAG_THRESHOLD     4.0
#define FONT               "Sans 9"

struct _SpyFlamegraph {
  GtkWidget        parent_instance;

  SpyCallTree     *tree;
  char            *search_text;
  SpyFlameSearch  *search;          /* NULL without search text */
  guint32          highlight_frame;
  gboolean         inverted;
  guint32          zoom_node;
  guint32          hovered_node;
  guint32          focused_node;
  int              hovered_crumb;

  /* Visible part of the zoomed frame, as fractions of its width. */
  double           view_start;
  double           view_end;
  double           y_scroll;

  /* Caches: the layout of (layout_root, its width), the breadcrumbs. */
  SpyFlameLayout  *layout;
  GArray          *crumbs;
  int              crumbs_width;

  /* Zoom animation: the common ancestor is laid out and its visible
   * range moves from (from) to (to), fractions of its width. */
  guint            tick_id;
  gint64           anim_start;
  guint32          anim_root;
  double           anim_from[2];
  double           anim_to[2];

  double           drag_view_start;
  gboolean         dragged;
  double           pointer_x;
};

G_DEFINE_FINAL_TYPE (SpyFlamegraph, spy_flamegraph, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TREE,
  PROP_SEARCH,
  PROP_SEARCH_FRACTION,
  PROP_INVERTED,
  PROP_ZOOM_NODE,
  PROP_HIGHLIGHT_FRAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Geometry --------------------------------------------------------------- */

static gboolean
has_samples (SpyFlamegraph *self)
{
  return self->tree != NULL && spy_call_tree_get_node (self->tree, 0)->total > 0;
}

/* Samples before @node inside @ancestor's span. */
static guint64
node_offset (SpyCallTree *tree,
             guint32      ancestor,
             guint32      node)
{
  guint64 offset = 0;

  while (node != ancestor && node != 0)
    {
      const SpyCallTreeNode *n = spy_call_tree_get_node (tree, node);

      for (guint32 c = spy_call_tree_get_node (tree, n->parent)->first_child; c != node;
           c = spy_call_tree_get_node (tree, c)->next_sibling)
        offset += spy_call_tree_get_node (tree, c)->total;
      node = n->parent;
    }
  return offset;
}

/* @node's span as fractions of @ancestor's. */
static void
node_span (SpyCallTree *tree,
           guint32      ancestor,
           guint32      node,
           double       span[2])
{
  double total = MAX (spy_call_tree_get_node (tree, ancestor)->total, 1);

  span[0] = node_offset (tree, ancestor, node) / total;
  span[1] = span[0] + spy_call_tree_get_node (tree, node)->total / total;
}

static gboolean
is_ancestor (SpyCallTree *tree,
             guint32      ancestor,
             guint32      node)
{
  for (; node != SPY_CALL_TREE_NONE; node = spy_call_tree_get_node (tree, node)->parent)
    if (node == ancestor)
      return TRUE;
  return FALSE;
}

static guint32
common_ancestor (SpyCallTree *tree,
                 guint32      a,
                 guint32      b)
{
  while (!is_ancestor (tree, a, b))
    a = spy_call_tree_get_node (tree, a)->parent;
  return a;
}

static double
ease_out (double t)
{
  return 1 - pow (1 - CLAMP (t, 0, 1), 3);
}

/* What is drawn now: a layout root, its visible range, and the span the
 * layout is made for. An animation keeps one layout, made for the wider
 * of its two ends: narrow frames appear when it ends. */
static guint32
visible_range (SpyFlamegraph *self,
               double         range[2],
               double        *layout_span)
{
  if (self->tick_id != 0)
    {
      double t = ease_out ((g_get_monotonic_time () - self->anim_start) / (double) ZOOM_ANIMATION_US);

      range[0] = self->anim_from[0] + (self->anim_to[0] - self->anim_from[0]) * t;
      range[1] = self->anim_from[1] + (self->anim_to[1] - self->anim_from[1]) * t;
      *layout_span = MAX (self->anim_from[1] - self->anim_from[0], self->anim_to[1] - self->anim_to[0]);
      return self->anim_root;
    }
  range[0] = self->view_start;
  range[1] = self->view_end;
  *layout_span = range[1] - range[0];
  return self->zoom_node;
}

/* Layouts are made for whole powers of two of the widget's width, so a
 * zoom by the wheel or an animation rarely lays out again. */
static SpyFlameLayout *
ensure_layout (SpyFlamegraph *self,
               guint32        root,
               double         width,
               double         span)
{
  double scale = exp2 (ceil (log2 (1 / MAX (span, 1 / MAX_LAYOUT_SCALE)) - 1e-9));
  double layout_width = width * MAX (scale, 1);

  if (self->layout != NULL &&
      spy_flame_layout_get_tree (self->layout) == self->tree &&
      spy_flame_layout_get_zoom_node (self->layout) == root &&
      spy_flame_layout_get_width (self->layout) == layout_width)
    return self->layout;
  g_clear_pointer (&self->layout, spy_flame_layout_free);
  self->layout = spy_flame_layout_new (self->tree, root, layout_width);
  return self->layout;
}

static GArray *
ensure_crumbs (SpyFlamegraph *self,
               int            width)
{
  if (self->crumbs != NULL && self->crumbs_width == width)
    return self->crumbs;
  g_clear_pointer (&self->crumbs, g_array_unref);
  if (self->tree != NULL)
    self->crumbs = spy_flame_crumbs_new (self->tree, self->zoom_node, width, FONT);
  self->crumbs_width = width;
  return self->crumbs;
}

static void
invalidate_crumbs (SpyFlamegraph *self)
{
  g_clear_pointer (&self->crumbs, g_array_unref);
}

static void
theme_colors (SpyFlamegraph   *self,
              SpyFlameOptions *options)
{
  GdkRGBA fg;

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
G_GNUC_END_IGNORE_DEPRECATIONS
  options->foreground = (SpyFlameColor) { fg.red, fg.green, fg.blue };
  options->dark = 0.3 * fg.red + 0.59 * fg.green + 0.11 * fg.blue > 0.5;
  if (options->dark)
    options->background = (SpyFlameColor) { 0.14, 0.14, 0.14 };
}

/* Options and layout for a draw or a hit test; NULL without samples. */
static SpyFlameLayout *
prepare (SpyFlamegraph   *self,
         SpyFlameOptions *options)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  double range[2], span, layout_span, max_scroll;
  SpyFlameLayout *layout;
  guint32 root;

  spy_flame_options_init (options);
  options->font = FONT;
  options->inverted = self->inverted;
  options->search = self->search;
  options->highlight_frame = self->highlight_frame;
  options->hovered_node = self->hovered_node;
  options->focused_node = gtk_widget_has_focus (GTK_WIDGET (self)) ? self->focused_node : SPY_FLAME_NONE;
  options->hovered_crumb = self->hovered_crumb;
  if (!has_samples (self) || width <= 0)
    return NULL;
  root = visible_range (self, range, &layout_span);
  span = MAX (range[1] - range[0], 1e-9);
  layout = ensure_layout (self, root, width, layout_span);
  options->x_offset = range[0] * spy_flame_layout_get_width (layout);
  options->x_scale = width / (span * spy_flame_layout_get_width (layout));
  max_scroll = MAX (0, spy_flame_render_content_height (layout) - (height - SPY_FLAME_CRUMB_HEIGHT));
  self->y_scroll = CLAMP (self->y_scroll, 0, max_scroll);
  options->y_scroll = self->y_scroll;
  return layout;
}

static const SpyFlameRect *
rect_at (SpyFlamegraph *self,
         double         x,
         double         y)
{
  SpyFlameOptions options;
  SpyFlameLayout *layout = prepare (self, &options);

  if (layout == NULL)
    return NULL;
  return spy_flame_render_hit (layout, gtk_widget_get_height (GTK_WIDGET (self)), &options, x, y);
}

static void
update_actions (SpyFlamegraph *self)
{
  gboolean zoomed = self->zoom_node != 0 || self->view_start > 0 || self->view_end < 1;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "flamegraph.zoom-out", zoomed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "flamegraph.reset-zoom", zoomed);
}

/* Zoom ------------------------------------------------------------------- */

static void
stop_animation (SpyFlamegraph *self)
{
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
}

static gboolean
animation_tick (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  SpyFlamegraph *self = SPY_FLAMEGRAPH (widget);

  gtk_widget_queue_draw (widget);
  if (g_get_monotonic_time () - self->anim_start < ZOOM_ANIMATION_US)
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
animations_enabled (SpyFlamegraph *self)
{
  gboolean enabled = TRUE;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return FALSE;
  g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)), "gtk-enable-animations", &enabled, NULL);
  return enabled;
}

/* Moves the visible range from what is shown now (maybe halfway through
 * another animation) to @node's span, both seen from the frame that
 * contains them. */
static void
start_animation (SpyFlamegraph *self,
                 guint32        node)
{
  double from_span[2], range[2], layout_span;
  guint32 from_node = visible_range (self, range, &layout_span);
  guint32 root = common_ancestor (self->tree, from_node, node);

  stop_animation (self);
  node_span (self->tree, root, from_node, from_span);
  self->anim_root = root;
  self->anim_from[0] = from_span[0] + range[0] * (from_span[1] - from_span[0]);
  self->anim_from[1] = from_span[0] + range[1] * (from_span[1] - from_span[0]);
  node_span (self->tree, root, node, self->anim_to);
  self->anim_start = g_get_monotonic_time ();
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), animation_tick, NULL, NULL);
}

static void
set_zoom (SpyFlamegraph *self,
          guint32        node,
          gboolean       animate)
{
  guint32 old = self->zoom_node;

  if (animate && has_samples (self) && animations_enabled (self) && node != old)
    start_animation (self, node);
  else if (!animate)
    stop_animation (self);
  self->zoom_node = node;
  self->view_start = 0;
  self->view_end = 1;
  if (self->focused_node == SPY_FLAME_NONE || !is_ancestor (self->tree, node, self->focused_node))
    self->focused_node = node != 0 ? node : SPY_FLAME_NONE;
  invalidate_crumbs (self);
  update_actions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (node != old)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM_NODE]);
}

void
spy_flamegraph_zoom_to (SpyFlamegraph *self,
                        guint32        node)
{
  g_return_if_fail (SPY_IS_FLAMEGRAPH (self));
  g_return_if_fail (self->tree != NULL || node == 0);
  g_return_if_fail (self->tree == NULL || node < spy_call_tree_get_n_nodes (self->tree));

  set_zoom (self, node, TRUE);
}

gboolean
spy_flamegraph_zoom_out (SpyFlamegraph *self)
{
  g_return_val_if_fail (SPY_IS_FLAMEGRAPH (self), FALSE);

  if (self->view_start > 0 || self->view_end < 1)
    {
      self->view_start = 0;
      self->view_end = 1;
      update_actions (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return TRUE;
    }
  if (self->tree == NULL || self->zoom_node == 0)
    return FALSE;
  set_zoom (self, spy_call_tree_get_node (self->tree, self->zoom_node)->parent, TRUE);
  return TRUE;
}

guint32
spy_flamegraph_get_zoom_node (SpyFlamegraph *self)
{
  g_return_val_if_fail (SPY_IS_FLAMEGRAPH (self), 0);

  return self->zoom_node;
}

gboolean
spy_flamegraph_get_animating (SpyFlamegraph *self)
{
  g_return_val_if_fail (SPY_IS_FLAMEGRAPH (self), FALSE);

  return self->tick_id != 0;
}

static void
set_view (SpyFlamegraph *self,
          double         start,
          double         end)
{
  double span = CLAMP (end - start, 1 / MAX_LAYOUT_SCALE, 1);

  stop_animation (self);
  self->view_start = CLAMP (start, 0, 1 - span);
  self->view_end = self->view_start + span;
  update_actions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Pans (or zooms out horizontally) so that [@start, @end), fractions of
 * the zoomed frame, is in view. */
static void
show_span (SpyFlamegraph *self,
           double         start,
           double         end)
{
  double span = self->view_end - self->view_start;

  if (start >= self->view_start && end <= self->view_end)
    return;
  if (end - start > span)
    set_view (self, start, end);
  else
    set_view (self, start < self->view_start ? start : end - span, start < self->view_start ? start + span : end);
}

/* Horizontal zoom inside the zoomed frame, by @factor around widget x. */
static void
zoom_view (SpyFlamegraph *self,
           double         factor,
           double         x)
{
  double width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1);
  double span = self->view_end - self->view_start;
  double at = CLAMP (x / width, 0, 1);
  double pivot = self->view_start + at * span;
  double new_span = CLAMP (span * factor, 1 / MAX_LAYOUT_SCALE, 1);

  set_view (self, pivot - at * new_span, pivot + (1 - at) * new_span);
}

/* Model ------------------------------------------------------------------ */

static gboolean
same_frame (SpyCallTree *a,
            guint32      frame_a,
            SpyCallTree *b,
            guint32      frame_b)
{
  SpyProfile *pa = spy_call_tree_get_profile (a), *pb = spy_call_tree_get_profile (b);
  const SpyProfileFrame *fa, *fb;

  if (pa == pb)
    return frame_a == frame_b;
  fa = spy_profile_get_frame (pa, frame_a);
  fb = spy_profile_get_frame (pb, frame_b);
  return fa->line == fb->line &&
         g_str_equal (spy_profile_get_string (pa, fa->function), spy_profile_get_string (pb, fb->function)) &&
         g_str_equal (spy_profile_get_string (pa, fa->file), spy_profile_get_string (pb, fb->file));
}

/* The node of @new_tree reached by the frames leading to @node in
 * @old_tree, or the deepest node on the way that still exists. */
static guint32
follow_path (SpyCallTree *old_tree,
             guint32      node,
             SpyCallTree *new_tree,
             gboolean    *complete)
{
  g_autoptr(GArray) path = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint32 found = 0;

  *complete = TRUE;
  if (old_tree == NULL || node == SPY_FLAME_NONE || node >= spy_call_tree_get_n_nodes (old_tree))
    {
      *complete = node == 0;
      return 0;
    }
  for (; node != 0; node = spy_call_tree_get_node (old_tree, node)->parent)
    g_array_prepend_val (path, spy_call_tree_get_node (old_tree, node)->frame);
  for (guint i = 0; i < path->len; i++)
    {
      guint32 c = spy_call_tree_get_node (new_tree, found)->first_child;

      while (c != SPY_CALL_TREE_NONE &&
             !same_frame (old_tree, g_array_index (path, guint32, i), new_tree, spy_call_tree_get_node (new_tree, c)->frame))
        c = spy_call_tree_get_node (new_tree, c)->next_sibling;
      if (c == SPY_CALL_TREE_NONE)
        {
          *complete = FALSE;
          break;
        }
      found = c;
    }
  return found;
}

static void
update_search (SpyFlamegraph *self)
{
  double before = self->search ? spy_flame_search_get_fraction (self->search) : 0;
  double after;

  g_clear_pointer (&self->search, spy_flame_search_free);
  if (self->tree != NULL && self->search_text != NULL && self->search_text[0] != '\0')
    self->search = spy_flame_search_new (self->tree, self->search_text);
  after = self->search ? spy_flame_search_get_fraction (self->search) : 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (before != after)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_FRACTION]);
}

void
spy_flamegraph_set_tree (SpyFlamegraph *self,
                         SpyCallTree   *tree)
{
  guint32 old_zoom, zoom = 0, focus = SPY_FLAME_NONE;
  gboolean complete = TRUE, focus_complete;

  g_return_if_fail (SPY_IS_FLAMEGRAPH (self));

  if (tree == self->tree)
    return;
  old_zoom = self->zoom_node;
  if (tree != NULL)
    {
      zoom = follow_path (self->tree, self->zoom_node, tree, &complete);
      focus = follow_path (self->tree, self->focused_node, tree, &focus_complete);
      if (!focus_complete || focus == 0)
        focus = SPY_FLAME_NONE;
    }
  stop_animation (self);
  g_clear_pointer (&self->layout, spy_flame_layout_free);
  invalidate_crumbs (self);
  g_clear_pointer (&self->tree, spy_call_tree_unref);
  self->tree = tree ? spy_call_tree_ref (tree) : NULL;
  self->zoom_node = zoom;
  self->focused_node = focus;
  self->hovered_node = SPY_FLAME_NONE;
  if (!complete)
    self->view_start = 0, self->view_end = 1;
  update_search (self);
  update_actions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TREE]);
  if (zoom != old_zoom)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM_NODE]);
}

SpyCallTree *
spy_flamegraph_get_tree (SpyFlamegraph *self)
{
  g_return_val_if_fail (SPY_IS_FLAMEGRAPH (self), NULL);

  return self->tree;
}

void
spy_flamegraph_set_search (SpyFlamegraph *self,
                           const char    *text)
{
  g_return_if_fail (SPY_IS_FLAMEGRAPH (self));

  if (g_strcmp0 (text, self->search_text) == 0)
    return;
  g_free (self->search_text);
  self->search_text = g_strdup (text);
  update_search (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);
}

double
spy_flamegraph_get_search_fraction (SpyFlamegraph *self)
{
  g_return_val_if_fail (SPY_IS_FLAMEGRAPH (self), 0);

  return self->search ? spy_flame_search_get_fraction (self->search) : 0;
}

void
spy_flamegraph_set_highlight (SpyFlamegraph *self,
                              guint32        frame)
{
  g_return_if_fail (SPY_IS_FLAMEGRAPH (self));

  if (frame == self->highlight_frame)
    return;
  self->highlight_frame = frame;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIGHLIGHT_FRAME]);
}

void
spy_flamegraph_set_inverted (SpyFlamegraph *self,
                             gboolean       inverted)
{
  g_return_if_fail (SPY_IS_FLAMEGRAPH (self));

  inverted = !!inverted;
  if (inverted == self->inverted)
    return;
  self->inverted = inverted;
  self->y_scroll = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INVERTED]);
}

gboolean
spy_flamegraph_get_inverted (SpyFlamegraph *self)
{
  g_return_val_if_fail (SPY_IS_FLAMEGRAPH (self), FALSE);

  return self->inverted;
}

gboolean
spy_flamegraph_get_node_area (SpyFlamegraph   *self,
                              guint32          node,
                              graphene_rect_t *area)
{
  SpyFlameOptions options;
  SpyFlameLayout *layout;
  const SpyFlameRect *rect;
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  double x0, x1, y0;

  g_return_val_if_fail (SPY_IS_FLAMEGRAPH (self), FALSE);

  if ((layout = prepare (self, &options)) == NULL ||
      (rect = spy_flame_layout_find_node (layout, node)) == NULL)
    return FALSE;
  x0 = MAX ((rect->x - options.x_offset) * options.x_scale, 0);
  x1 = MIN ((rect->x + rect->width - options.x_offset) * options.x_scale, width);
  y0 = spy_flame_render_row_y (gtk_widget_get_height (GTK_WIDGET (self)), &options, rect->depth);
  if (x1 <= x0 || y0 < SPY_FLAME_CRUMB_HEIGHT || y0 >= gtk_widget_get_height (GTK_WIDGET (self)))
    return FALSE;
  graphene_rect_init (area, x0, y0, x1 - x0, SPY_FLAME_ROW_HEIGHT);
  return TRUE;
}

gboolean
spy_flamegraph_get_crumb_area (SpyFlamegraph   *self,
                               guint            index,
                               graphene_rect_t *area)
{
  GArray *crumbs;
  const SpyFlameCrumb *crumb;

  g_return_val_if_fail (SPY_IS_FLAMEGRAPH (self), FALSE);

  crumbs = ensure_crumbs (self, gtk_widget_get_width (GTK_WIDGET (self)));
  if (crumbs == NULL || index >= crumbs->len)
    return FALSE;
  crumb = &g_array_index (crumbs, SpyFlameCrumb, index);
  graphene_rect_init (area, crumb->x, 0, crumb->width, SPY_FLAME_CRUMB_HEIGHT);
  return TRUE;
}

/* Pointer ---------------------------------------------------------------- */

static void
click_at (SpyFlamegraph *self,
          double         x,
          double         y)
{
  const SpyFlameRect *rect;
  int crumb;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (y < SPY_FLAME_CRUMB_HEIGHT)
    {
      /* A live refresh since the last draw dropped them: made anew, for
       * the tree shown now. */
      GArray *crumbs = ensure_crumbs (self, gtk_widget_get_width (GTK_WIDGET (self)));

      crumb = spy_flame_crumbs_find (crumbs, x);
      if (crumb >= 0)
        set_zoom (self, g_array_index (crumbs, SpyFlameCrumb, crumb).node, TRUE);
      return;
    }
  if ((rect = rect_at (self, x, y)) == NULL)
    return;
  if (rect->n_merged > 1)
    {
      /* Frames too narrow to draw: zoom in on them horizontally. */
      double width = spy_flame_layout_get_width (self->layout);

      if (self->tick_id == 0)
        set_view (self, rect->x / width, (rect->x + rect->width) / width);
      return;
    }
  self->focused_node = rect->node;
  set_zoom (self, rect->node, TRUE);
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               SpyFlamegraph  *self)
{
  self->drag_view_start = self->view_start;
  self->dragged = FALSE;
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                SpyFlamegraph  *self)
{
  double width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1);

  if (!self->dragged && hypot (dx, dy) < DRAG_THRESHOLD)
    return;
  self->dragged = TRUE;
  if (self->tick_id == 0)
    {
      double span = self->view_end - self->view_start;
      double start = self->drag_view_start - dx / width * span;

      set_view (self, start, start + span);
    }
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             SpyFlamegraph  *self)
{
  double x, y;

  if (self->dragged || !gtk_gesture_drag_get_start_point (gesture, &x, &y))
    return;
  click_at (self, x, y);
}

static void
set_hover (SpyFlamegraph *self,
           guint32        node,
           int            crumb)
{
  if (node == self->hovered_node && crumb == self->hovered_crumb)
    return;
  self->hovered_node = node;
  self->hovered_crumb = crumb;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self),
                                   node != SPY_FLAME_NONE || crumb >= 0 ? "pointer" : "default");
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           SpyFlamegraph            *self)
{
  const SpyFlameRect *rect = y >= SPY_FLAME_CRUMB_HEIGHT ? rect_at (self, x, y) : NULL;

  self->pointer_x = x;
  set_hover (self, rect && rect->n_merged == 1 ? rect->node : SPY_FLAME_NONE,
             y < SPY_FLAME_CRUMB_HEIGHT ?
               spy_flame_crumbs_find (ensure_crumbs (self, gtk_widget_get_width (GTK_WIDGET (self))), x) : -1);
}

static void
on_leave (GtkEventControllerMotion *controller,
          SpyFlamegraph            *self)
{
  set_hover (self, SPY_FLAME_NONE, -1);
}

/* Ctrl+wheel zooms around the pointer; the wheel scrolls deep stacks,
 * sideways (or with Shift) it pans. */
static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           SpyFlamegraph            *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  double span = self->view_end - self->view_start;
  double width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1);

  if (!has_samples (self))
    return FALSE;
  if (state & GDK_CONTROL_MASK)
    {
      zoom_view (self, pow (1.25, dy), self->pointer_x);
      return TRUE;
    }
  if (state & GDK_SHIFT_MASK)
    {
      dx += dy;
      dy = 0;
    }
  if (dx != 0 && self->tick_id == 0)
    set_view (self, self->view_start + dx * 40 / width * span, self->view_end + dx * 40 / width * span);
  if (dy != 0)
    {
      self->y_scroll += (self->inverted ? dy : -dy) * SPY_FLAME_ROW_HEIGHT * 2;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  return TRUE;
}

/* Keyboard --------------------------------------------------------------- */

typedef enum {
  MOVE_UP,
  MOVE_DOWN,
  MOVE_LEFT,
  MOVE_RIGHT,
} Move;

/* The widest drawn child of @node, or NONE. */
static guint32
widest_child (SpyFlamegraph *self,
              guint32        node)
{
  guint32 best = SPY_FLAME_NONE;

  for (guint32 c = spy_call_tree_get_node (self->tree, node)->first_child; c != SPY_CALL_TREE_NONE;
       c = spy_call_tree_get_node (self->tree, c)->next_sibling)
    if (spy_flame_layout_find_node (self->layout, c) != NULL &&
        (best == SPY_FLAME_NONE || spy_call_tree_get_node (self->tree, c)->total > spy_call_tree_get_node (self->tree, best)->total))
      best = c;
  return best;
}

/* The next drawn frame left or right of @rect in its row. */
static guint32
neighbour (SpyFlamegraph      *self,
           const SpyFlameRect *rect,
           int                 step)
{
  guint n_rects;
  const SpyFlameRect *rects = spy_flame_layout_get_rects (self->layout, &n_rects);

  for (gint64 i = (rect - rects) + step; i >= 0 && i < n_rects && rects[i].depth == rect->depth; i += step)
    if (rects[i].n_merged == 1)
      return rects[i].node;
  return SPY_FLAME_NONE;
}

static guint32
move_target (SpyFlamegraph      *self,
             const SpyFlameRect *rect,
             Move                move)
{
  gboolean towards_leaves = (move == MOVE_UP) != self->inverted;

  if (move == MOVE_LEFT || move == MOVE_RIGHT)
    return neighbour (self, rect, move == MOVE_LEFT ? -1 : 1);
  if (towards_leaves)
    return widest_child (self, rect->node);
  return rect->depth > 0 ? spy_call_tree_get_node (self->tree, rect->node)->parent : SPY_FLAME_NONE;
}

/* Arrows move the focus as they look: with the root at the bottom, Up
 * goes to a callee (child) and Down to the caller (parent); inverted, the
 * other way. Left and Right go to the neighbouring frames of the row. */
static gboolean
move_focus (GtkWidget *widget,
            GVariant  *args,
            gpointer   user_data)
{
  SpyFlamegraph *self = SPY_FLAMEGRAPH (widget);
  SpyFlameOptions options;
  const SpyFlameRect *rect, *target_rect;
  guint32 target;
  double width;

  if (prepare (self, &options) == NULL || self->tick_id != 0)
    return FALSE;
  rect = self->focused_node != SPY_FLAME_NONE ? spy_flame_layout_find_node (self->layout, self->focused_node) : NULL;
  if (rect == NULL)
    target = self->zoom_node != 0 ? self->zoom_node : widest_child (self, 0);
  else
    target = move_target (self, rect, g_variant_get_int32 (args));
  if (target == SPY_FLAME_NONE || (target_rect = spy_flame_layout_find_node (self->layout, target)) == NULL)
    return TRUE;
  self->focused_node = target;
  width = spy_flame_layout_get_width (self->layout);
  show_span (self, target_rect->x / width, (target_rect->x + target_rect->width) / width);
  gtk_widget_queue_draw (widget);
  return TRUE;
}

static gboolean
activate_focus (GtkWidget *widget,
                GVariant  *args,
                gpointer   user_data)
{
  SpyFlamegraph *self = SPY_FLAMEGRAPH (widget);

  if (self->tree == NULL || self->focused_node == SPY_FLAME_NONE)
    return FALSE;
  set_zoom (self, self->focused_node, TRUE);
  return TRUE;
}

static gboolean
zoom_view_key (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  SpyFlamegraph *self = SPY_FLAMEGRAPH (widget);

  zoom_view (self, g_variant_get_double (args), gtk_widget_get_width (widget) / 2.0);
  return TRUE;
}

/* Tooltip ---------------------------------------------------------------- */

static char *
tooltip_text (SpyFlamegraph      *self,
              const SpyFlameRect *rect)
{
  SpyProfile *profile = spy_call_tree_get_profile (self->tree);
  const SpyCallTreeNode *node = spy_call_tree_get_node (self->tree, rect->node);
  const SpyProfileFrame *frame = spy_profile_get_frame (profile, node->frame);
  double all = MAX (spy_call_tree_get_node (self->tree, 0)->total, 1);
  double zoom = MAX (spy_call_tree_get_node (self->tree, self->zoom_node)->total, 1);
  g_autofree char *where = NULL;

  if (rect->n_merged > 1)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u frame too narrow to show",
                                         "%u frames too narrow to show", rect->n_merged),
                            rect->n_merged);
  if (frame->line > 0)
    where = g_strdup_printf ("%s:%d", spy_profile_get_string (profile, frame->file), frame->line);
  else
    where = g_strdup (spy_profile_get_string (profile, frame->file));
  /* Translators: function, file:line, then sample counts and shares. */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%s\n%s\n%'llu sample · %.2f %% of all · %.2f %% of the zoomed frame",
                                       "%s\n%s\n%'llu samples · %.2f %% of all · %.2f %% of the zoomed frame",
                                       node->total),
                          spy_profile_get_string (profile, frame->function), where,
                          (unsigned long long) node->total,
                          100 * node->total / all, 100 * node->total / zoom);
}

static gboolean
spy_flamegraph_query_tooltip (GtkWidget  *widget,
                              int         x,
                              int         y,
                              gboolean    keyboard_mode,
                              GtkTooltip *tooltip)
{
  SpyFlamegraph *self = SPY_FLAMEGRAPH (widget);
  SpyFlameOptions options;
  const SpyFlameRect *rect;
  g_autofree char *text = NULL;
  graphene_rect_t area;

  if (prepare (self, &options) == NULL)
    return FALSE;
  if (keyboard_mode)
    rect = self->focused_node != SPY_FLAME_NONE ? spy_flame_layout_find_node (self->layout, self->focused_node) : NULL;
  else
    rect = spy_flame_render_hit (self->layout, gtk_widget_get_height (widget), &options, x, y);
  if (rect == NULL)
    return FALSE;
  text = tooltip_text (self, rect);
  /* Plain text: names come from the target. */
  gtk_tooltip_set_text (tooltip, text);
  if (spy_flamegraph_get_node_area (self, rect->node, &area))
    gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { floor (area.origin.x), floor (area.origin.y),
                                                          ceil (area.size.width), ceil (area.size.height) });
  return TRUE;
}

/* Drawing ---------------------------------------------------------------- */

static void
draw_placeholder (SpyFlamegraph *self,
                  GtkSnapshot   *snapshot,
                  int            width,
                  int            height)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), _("No samples yet"));
  PangoFontDescription *font = pango_font_description_from_string ("Sans 11");
  GdkRGBA color;
  int text_width, text_height;

  pango_layout_set_font_description (layout, font);
  pango_layout_get_pixel_size (layout, &text_width, &text_height);
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &color);
G_GNUC_END_IGNORE_DEPRECATIONS
  color.alpha *= 0.55;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((width - text_width) / 2.0, (height - text_height) / 2.0));
  gtk_snapshot_append_layout (snapshot, layout, &color);
  gtk_snapshot_restore (snapshot);
  pango_font_description_free (font);
  g_object_unref (layout);
}

static void
spy_flamegraph_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  SpyFlamegraph *self = SPY_FLAMEGRAPH (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  SpyFlameOptions options;
  SpyFlameLayout *layout;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  layout = prepare (self, &options);
  theme_colors (self, &options);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  spy_flame_render (cr, width, height, layout, layout ? ensure_crumbs (self, width) : NULL, &options);
  cairo_destroy (cr);
  if (layout == NULL)
    draw_placeholder (self, snapshot, width, height);
}

static void
spy_flamegraph_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : SPY_FLAME_CRUMB_HEIGHT + 4 * SPY_FLAME_ROW_HEIGHT;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 800 : 400;
}

/* Actions ---------------------------------------------------------------- */

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  spy_flamegraph_zoom_out (SPY_FLAMEGRAPH (widget));
}

static void
reset_zoom_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  set_zoom (SPY_FLAMEGRAPH (widget), 0, TRUE);
}

static void
toggle_inverted_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  SpyFlamegraph *self = SPY_FLAMEGRAPH (widget);

  spy_flamegraph_set_inverted (self, !self->inverted);
}

/* Object ----------------------------------------------------------------- */

static void
spy_flamegraph_dispose (GObject *object)
{
  SpyFlamegraph *self = SPY_FLAMEGRAPH (object);

  stop_animation (self);
  g_clear_pointer (&self->layout, spy_flame_layout_free);
  g_clear_pointer (&self->crumbs, g_array_unref);
  g_clear_pointer (&self->search, spy_flame_search_free);
  g_clear_pointer (&self->tree, spy_call_tree_unref);
  G_OBJECT_CLASS (spy_flamegraph_parent_class)->dispose (object);
}

static void
spy_flamegraph_finalize (GObject *object)
{
  SpyFlamegraph *self = SPY_FLAMEGRAPH (object);

  g_free (self->search_text);
  G_OBJECT_CLASS (spy_flamegraph_parent_class)->finalize (object);
}

static void
spy_flamegraph_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SpyFlamegraph *self = SPY_FLAMEGRAPH (object);

  switch (prop_id)
    {
    case PROP_TREE:
      g_value_set_pointer (value, self->tree);
      break;
    case PROP_SEARCH:
      g_value_set_string (value, self->search_text);
      break;
    case PROP_SEARCH_FRACTION:
      g_value_set_double (value, spy_flamegraph_get_search_fraction (self));
      break;
    case PROP_INVERTED:
      g_value_set_boolean (value, self->inverted);
      break;
    case PROP_ZOOM_NODE:
      g_value_set_uint (value, self->zoom_node);
      break;
    case PROP_HIGHLIGHT_FRAME:
      g_value_set_uint (value, self->highlight_frame);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spy_flamegraph_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SpyFlamegraph *self = SPY_FLAMEGRAPH (object);

  switch (prop_id)
    {
    case PROP_TREE:
      spy_flamegraph_set_tree (self, g_value_get_pointer (value));
      break;
    case PROP_SEARCH:
      spy_flamegraph_set_search (self, g_value_get_string (value));
      break;
    case PROP_INVERTED:
      spy_flamegraph_set_inverted (self, g_value_get_boolean (value));
      break;
    case PROP_ZOOM_NODE:
      spy_flamegraph_zoom_to (self, g_value_get_uint (value));
      break;
    case PROP_HIGHLIGHT_FRAME:
      spy_flamegraph_set_highlight (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_properties (GObjectClass *object_class)
{
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /* A SpyCallTree (not a GObject); the widget keeps a reference. */
  properties[PROP_TREE] = g_param_spec_pointer ("tree", NULL, NULL, flags);
  properties[PROP_SEARCH] = g_param_spec_string ("search", NULL, NULL, NULL, flags);
  properties[PROP_SEARCH_FRACTION] =
    g_param_spec_double ("search-fraction", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INVERTED] = g_param_spec_boolean ("inverted", NULL, NULL, FALSE, flags);
  properties[PROP_ZOOM_NODE] = g_param_spec_uint ("zoom-node", NULL, NULL, 0, G_MAXUINT32, 0, flags);
  properties[PROP_HIGHLIGHT_FRAME] =
    g_param_spec_uint ("highlight-frame", NULL, NULL, 0, G_MAXUINT32, G_MAXUINT32, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
install_keys (GtkWidgetClass *widget_class)
{
  static const struct { guint key; Move move; } arrows[] = {
    { GDK_KEY_Up, MOVE_UP }, { GDK_KEY_KP_Up, MOVE_UP },
    { GDK_KEY_Down, MOVE_DOWN }, { GDK_KEY_KP_Down, MOVE_DOWN },
    { GDK_KEY_Left, MOVE_LEFT }, { GDK_KEY_KP_Left, MOVE_LEFT },
    { GDK_KEY_Right, MOVE_RIGHT }, { GDK_KEY_KP_Right, MOVE_RIGHT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (arrows); i++)
    gtk_widget_class_add_binding (widget_class, arrows[i].key, 0, move_focus, "i", arrows[i].move);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Return, 0, activate_focus, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_KP_Enter, 0, activate_focus, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_space, 0, activate_focus, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, zoom_view_key, "d", 0.5);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, zoom_view_key, "d", 0.5);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_KP_Add, GDK_CONTROL_MASK, zoom_view_key, "d", 0.5);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, zoom_view_key, "d", 2.0);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_KP_Subtract, GDK_CONTROL_MASK, zoom_view_key, "d", 2.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "flamegraph.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_BackSpace, 0, "flamegraph.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "flamegraph.reset-zoom", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "flamegraph.reset-zoom", NULL);
}

static void
spy_flamegraph_class_init (SpyFlamegraphClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = spy_flamegraph_dispose;
  object_class->finalize = spy_flamegraph_finalize;
  object_class->get_property = spy_flamegraph_get_property;
  object_class->set_property = spy_flamegraph_set_property;
  widget_class->snapshot = spy_flamegraph_snapshot;
  widget_class->measure = spy_flamegraph_measure;
  widget_class->query_tooltip = spy_flamegraph_query_tooltip;

  install_properties (object_class);
  gtk_widget_class_install_action (widget_class, "flamegraph.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "flamegraph.reset-zoom", NULL, reset_zoom_action);
  gtk_widget_class_install_action (widget_class, "flamegraph.toggle-inverted", NULL, toggle_inverted_action);
  install_keys (widget_class);
  gtk_widget_class_set_css_name (widget_class, "flamegraph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
add_controllers (SpyFlamegraph *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  GtkEventController *focus = gtk_event_controller_focus_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (motion, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);
  /* The keyboard focus ring shows only while focused. */
  g_signal_connect_swapped (focus, "enter", G_CALLBACK (gtk_widget_queue_draw), self);
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (gtk_widget_queue_draw), self);
  gtk_widget_add_controller (GTK_WIDGET (self), focus);
}

static void
spy_flamegraph_init (SpyFlamegraph *self)
{
  self->highlight_frame = SPY_FLAME_NONE;
  self->hovered_node = SPY_FLAME_NONE;
  self->focused_node = SPY_FLAME_NONE;
  self->hovered_crumb = -1;
  self->view_end = 1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "default");
  add_controllers (self);
  update_actions (self);
}

GtkWidget *
spy_flamegraph_new (void)
{
  return g_object_new (SPY_TYPE_FLAMEGRAPH, NULL);
}
