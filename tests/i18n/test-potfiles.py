#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-potfiles.py: every translatable string reaches po/POTFILES and po/de.po.
#
#   test-potfiles.py SOURCE_ROOT
#
# Fails when a file under app/, profiler/ or data/ marks strings for
# translation but is not listed in po/POTFILES, when POTFILES lists a file
# that does not exist, when a translatable C string is glued to a format
# macro (xgettext cannot expand G_GUINT64_FORMAT, so the catalogue would hold
# a truncated msgid that never matches at run time), when a message extracted from POTFILES has no
# translation in a po/*.po named in po/LINGUAS (untranslated or fuzzy), and
# when `msgfmt --check` rejects a .po file. Exits 77 (skip) without gettext.

import os
import re
import shutil
import subprocess
import sys
import tempfile

SCANNED_DIRS = ('app', 'profiler', 'data')

# _("…"), N_("…"), C_("ctx", "…"), NC_(…), and the plural forms.
C_MARKER = re.compile(r'(?<![A-Za-z0-9_])(?:N|C|NC)?_\s*\(\s*"'
                      r'|(?<![A-Za-z0-9_])(?:g_d?n|n)gettext\s*\(')
UI_MARKER = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
# A gettext call, and the format macros that xgettext cannot expand.
GETTEXT_CALL = re.compile(r'(?<![A-Za-z0-9_])(?:(?:N|C|NC)?_|g_d?n?gettext|g_dpgettext2'
                          r'|g_dcgettext|n?gettext)\s*\(')
FORMAT_MACRO = re.compile(r'G_G\w*_FORMAT|G_GSIZE_\w*|G_GSSIZE_\w*|G_PID_FORMAT')
# Data files whose strings are translated by i18n.merge_file or by GLib.
DATA_SUFFIXES = ('.desktop.in', '.metainfo.xml.in', '.gschema.xml', '.mime.xml')

# The keywords of meson's 'glib' gettext preset.
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format',
    '--flag=NC_:2:pass-c-format', '--flag=g_dngettext:2:pass-c-format',
    '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format',
]


def read_list(path):
    """Lines of a POTFILES/LINGUAS file without comments and blanks."""
    entries = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                entries.extend(line.split())
    return entries


def needs_translation(path):
    if path.endswith(DATA_SUFFIXES):
        return True
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            text = f.read()
    except OSError:
        return False
    if path.endswith('.ui'):
        return UI_MARKER.search(text) is not None
    if path.endswith(('.c', '.h')):
        return C_MARKER.search(text) is not None
    return False


def files_with_strings(root):
    found = set()
    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = [d for d in dirnames if not d.startswith('.')]
            for name in filenames:
                path = os.path.join(dirpath, name)
                if needs_translation(path):
                    found.add(os.path.relpath(path, root))
    return found


def call_arguments(text, start):
    """The source text of a call's arguments from just after its '(',
    with string and character literals and comments blanked out."""
    out, depth, i = [], 1, start
    while i < len(text) and depth > 0:
        c = text[i]
        if c in '"\'':
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(' ')
            i = j + 1
            continue
        if text.startswith('/*', i):
            end = text.find('*/', i + 2)
            i = len(text) if end < 0 else end + 2
            continue
        depth += {'(': 1, ')': -1}.get(c, 0)
        out.append(c)
        i += 1
    return ''.join(out)


def macros_in_messages(path):
    """(line, macro) for each format macro glued into a translatable string."""
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    found = []
    for call in GETTEXT_CALL.finditer(text):
        macros = sorted(set(FORMAT_MACRO.findall(call_arguments(text, call.end()))))
        if macros:
            found.append((text.count('\n', 0, call.start()) + 1, ', '.join(macros)))
    return found


def unquote(s):
    """The value of a PO string literal ("…" with C escapes)."""
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    out, i = [], 1
    escapes = {'n': '\n', 't': '\t', 'r': '\r', '"': '"', '\\': '\\', 'a': '\a',
               'b': '\b', 'f': '\f', 'v': '\v'}
    while i < len(s) - 1:
        c = s[i]
        if c == '\\':
            i += 1
            out.append(escapes.get(s[i], '\\' + s[i]))
        else:
            out.append(c)
        i += 1
    return ''.join(out)


def parse_po(path):
    """{(msgctxt, msgid): (msgstrs, fuzzy)} of the live (not obsolete) entries."""
    entries = {}
    cur, field, fuzzy = {}, None, False

    def flush():
        nonlocal cur, field, fuzzy
        if 'msgid' in cur:
            strs = [v for k, v in sorted(cur.items()) if k.startswith('msgstr')]
            entries[(cur.get('msgctxt'), cur['msgid'])] = (strs, fuzzy)
        cur, field, fuzzy = {}, None, False

    with open(path, encoding='utf-8') as f:
        for raw in f:
            line = raw.strip()
            if not line:
                flush()
            elif line.startswith('#~'):
                continue
            elif line.startswith('#,'):
                if 'msgid' in cur:
                    flush()
                fuzzy = 'fuzzy' in [x.strip() for x in line[2:].split(',')]
            elif line.startswith('#'):
                if 'msgid' in cur and field and field.startswith('msgstr'):
                    flush()
            elif line.startswith('"'):
                cur[field] += unquote(line)
            else:
                key, _, value = line.partition(' ')
                if key in ('msgctxt', 'msgid') and field and field.startswith('msgstr'):
                    keep_fuzzy = fuzzy
                    flush()
                    fuzzy = keep_fuzzy
                field = key
                cur[key] = unquote(value)
    flush()
    return entries


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else '.')
    po_dir = os.path.join(root, 'po')
    problems = []

    listed = read_list(os.path.join(po_dir, 'POTFILES'))
    for path in listed:
        if not os.path.isfile(os.path.join(root, path)):
            problems.append(f'po/POTFILES lists {path}, which does not exist')
    for path in sorted(files_with_strings(root) - set(listed)):
        problems.append(f'{path} has translatable strings but is not in po/POTFILES')
    for path in listed:
        if path.endswith(('.c', '.h')) and os.path.isfile(os.path.join(root, path)):
            for line, macro in macros_in_messages(os.path.join(root, path)):
                problems.append(f'{path}:{line}: {macro} inside a translatable string: '
                                'xgettext cuts the msgid there; cast the value to '
                                '(unsigned) long long and write %llu or %lld, or use '
                                '<inttypes.h> PRIu64, which gettext understands')

    xgettext = shutil.which('xgettext')
    msgfmt = shutil.which('msgfmt')
    if xgettext is None or msgfmt is None:
        print('SKIP: xgettext or msgfmt not found')
        for p in problems:
            print('FAIL:', p)
        return 1 if problems else 77

    existing = [p for p in listed if os.path.isfile(os.path.join(root, p))]
    with tempfile.TemporaryDirectory() as tmp:
        listing = os.path.join(tmp, 'POTFILES')
        with open(listing, 'w', encoding='utf-8') as f:
            f.write('\n'.join(existing) + '\n')
        pot = os.path.join(tmp, 'spyglass.pot')
        run = subprocess.run([xgettext, *XGETTEXT_ARGS, '--directory', root,
                              '--files-from', listing, '--output', pot],
                             capture_output=True, text=True)
        if run.returncode != 0:
            problems.append('xgettext failed:\n' + run.stderr)
            template = {}
        else:
            template = parse_po(pot) if os.path.exists(pot) else {}
    template.pop((None, ''), None)
    print(f'{len(template)} messages in {len(existing)} files')

    for lang in read_list(os.path.join(po_dir, 'LINGUAS')):
        po = os.path.join(po_dir, lang + '.po')
        if not os.path.isfile(po):
            problems.append(f'po/LINGUAS names {lang}, but po/{lang}.po is missing')
            continue
        check = subprocess.run([msgfmt, '--check', '--output-file', os.devnull, po],
                               capture_output=True, text=True)
        if check.returncode != 0:
            problems.append(f'msgfmt --check po/{lang}.po failed:\n' + check.stderr)
        translations = parse_po(po)
        missing = 0
        for key in template:
            strs, fuzzy = translations.get(key, ([], False))
            if not strs or not all(strs) or fuzzy:
                ctxt, msgid = key
                what = 'fuzzy' if fuzzy else 'untranslated'
                label = f'{ctxt}|{msgid}' if ctxt else msgid
                problems.append(f'po/{lang}.po: {what}: {label!r}')
                missing += 1
        print(f'po/{lang}.po: {len(template) - missing} of {len(template)} translated')

    for p in problems:
        print('FAIL:', p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
