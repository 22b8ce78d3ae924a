/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-profile.h: the recorded samples: interned frames, a stack trie, columnar samples */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SPY_PROFILE_ERROR (spy_profile_error_quark ())

typedef enum {
  SPY_PROFILE_ERROR_CORRUPT,      /* a file that is not what it says */
  SPY_PROFILE_ERROR_VERSION,      /* a newer major version of the format */
  SPY_PROFILE_ERROR_FORMAT,       /* not a format we know */
  SPY_PROFILE_ERROR_LIMIT,        /* too large to load safely */
} SpyProfileError;

/* No parent: the stack of a root frame has this parent. */
#define SPY_STACK_ROOT G_MAXUINT32
/* Longest string a profile keeps (bytes, UTF-8). */
#define SPY_PROFILE_MAX_STRING 1024

typedef enum {
  SPY_FRAME_PYTHON = 0,
  SPY_FRAME_NATIVE = 1,
  SPY_FRAME_IDLE   = 2,
} SpyFrameKind;

typedef enum {
  SPY_SAMPLE_IDLE = 1 << 0,   /* the thread was not on a CPU */
  SPY_SAMPLE_GIL  = 1 << 1,   /* the thread held the GIL */
} SpySampleFlags;

typedef struct {
  guint32      function;   /* string id: qualified name (3.11+) or name */
  guint32      file;       /* string id */
  gint32       line;       /* 0 or less: unknown */
  SpyFrameKind kind;
} SpyProfileFrame;

typedef struct {
  guint32 parent;          /* stack id or SPY_STACK_ROOT */
  guint32 frame;           /* frame id: the innermost frame of this stack */
} SpyProfileStack;

typedef struct {
  gint64  pid;             /* the process (for --subprocesses) */
  guint64 thread_id;       /* threading.get_ident() */
  gint64  native_id;       /* OS thread id, 0 when unknown */
  guint32 name;            /* string id; "" when unnamed */
} SpyProfileThread;

/* What the recording was of. Strings are owned by the profile. */
typedef struct {
  char    *command_line;
  gint64   pid;
  char    *python_version;
  char    *host;
  gint64   start_time;     /* µs since the Unix epoch */
  gint64   duration;       /* µs */
  guint    rate;           /* Hz */
  guint64  samples_taken;  /* sampler ticks */
  guint64  samples_late;
  guint64  samples_failed;
  char    *spyglass_version;
} SpyProfileMeta;

#define SPY_TYPE_PROFILE (spy_profile_get_type ())
G_DECLARE_FINAL_TYPE (SpyProfile, spy_profile, SPY, PROFILE, GObject)

GQuark                  spy_profile_error_quark   (void);
SpyProfile             *spy_profile_new           (void);

/* A deep copy, for another thread to read while this one grows. */
SpyProfile             *spy_profile_copy          (SpyProfile  *self);

SpyProfileMeta         *spy_profile_get_meta      (SpyProfile  *self);

/* Interning. Strings are made valid UTF-8 and cut to SPY_PROFILE_MAX_STRING. */
guint32                 spy_profile_intern_string (SpyProfile  *self,
                                                   const char  *string);
const char             *spy_profile_get_string    (SpyProfile  *self,
                                                   guint32      id);
guint                   spy_profile_get_n_strings (SpyProfile  *self);
guint32                 spy_profile_intern_frame  (SpyProfile  *self,
                                                   const char  *function,
                                                   const char  *file,
                                                   gint32       line,
                                                   SpyFrameKind kind);
const SpyProfileFrame  *spy_profile_get_frame     (SpyProfile  *self,
                                                   guint32      id);
guint                   spy_profile_get_n_frames  (SpyProfile  *self);
/* The stack (@parent, @frame); @parent is SPY_STACK_ROOT for an outermost frame. */
guint32                 spy_profile_intern_stack  (SpyProfile  *self,
                                                   guint32      parent,
                                                   guint32      frame);
const SpyProfileStack  *spy_profile_get_stack     (SpyProfile  *self,
                                                   guint32      id);
guint                   spy_profile_get_n_stacks  (SpyProfile  *self);
/* The stack for @n_frames frame ids, OUTERMOST FIRST. */
guint32                 spy_profile_intern_frames (SpyProfile    *self,
                                                   const guint32 *frames,
                                                   guint          n_frames);
/* Frame ids of @stack, outermost first, into @out (cleared first). */
void                    spy_profile_stack_frames  (SpyProfile  *self,
                                                   guint32      stack,
                                                   GArray      *out);
guint32                 spy_profile_add_thread    (SpyProfile  *self,
                                                   gint64       pid,
                                                   guint64      thread_id,
                                                   gint64       native_id,
                                                   const char  *name);
const SpyProfileThread *spy_profile_get_thread    (SpyProfile  *self,
                                                   guint32      index);
guint                   spy_profile_get_n_threads (SpyProfile  *self);
/* What to call thread @index: its name; unnamed, its OS thread id; with
 * neither, its thread id in hex. */
char                   *spy_profile_dup_thread_label (SpyProfile *self,
                                                      guint32     index);
/* Renames a thread (threads may be named after they first appear). */
void                    spy_profile_set_thread_name (SpyProfile *self,
                                                     guint32     index,
                                                     const char *name);

/* Samples: @time_us from the start of the recording. */
void                    spy_profile_add_sample    (SpyProfile  *self,
                                                   guint64      time_us,
                                                   guint32      thread,
                                                   guint32      stack,
                                                   guint8       flags);
/* Adds @count identical samples (imports of aggregated formats). */
void                    spy_profile_add_samples   (SpyProfile  *self,
                                                   guint64      time_us,
                                                   guint32      thread,
                                                   guint32      stack,
                                                   guint8       flags,
                                                   guint64      count);
guint                   spy_profile_get_n_samples (SpyProfile  *self);
/* Columns, each spy_profile_get_n_samples() long. */
const guint64          *spy_profile_get_sample_times   (SpyProfile *self);
const guint32          *spy_profile_get_sample_stacks  (SpyProfile *self);
const guint16          *spy_profile_get_sample_threads (SpyProfile *self);
const guint8           *spy_profile_get_sample_flags   (SpyProfile *self);

/* Bytes used by the sample columns and the interned tables. */
gsize                   spy_profile_get_sample_bytes   (SpyProfile *self);
gsize                   spy_profile_get_table_bytes    (SpyProfile *self);

/* Same frames, stacks, threads and samples (in the same order), and the
 * same meta. For round-trip tests. */
gboolean                spy_profile_equal         (SpyProfile  *a,
                                                   SpyProfile  *b,
                                                   char       **why);

/* Emitted by the owner (e.g. the sampler) after samples were added. */
void                    spy_profile_samples_added (SpyProfile  *self);

G_END_DECLS
