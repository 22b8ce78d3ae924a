/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-flamegraph-render.c: STUB until the real renderer lands */
#include "config.h"
