# SPDX-License-Identifier: GPL-3.0-or-later
# lines_workload.py: shapes of code that stress line-number tables and
# unusual frames: parked in except/finally/with blocks (3.11+ exception
# tables), inside a call spread over several lines, after a line with more
# than 255 bytes of bytecode, 300 lines below the previous statement (big
# line deltas), in a class body, at import time (importlib frames), and in
# code compiled from a string with a made-up file name.

import sys
import threading

import workload_harness as harness

A = 1


def helper(*args):
    return args


def in_except():
    try:
        raise ValueError("parked in the handler")
    except ValueError:
        harness.park()


def in_finally():
    try:
        pass
    finally:
        harness.park()


class Resource:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        harness.park()


def in_with():
    with Resource():
        helper(1)


def in_multiline_call():
    return helper(
        A,
        A + 1,
        harness.park(),
        A + 2,
    )


def after_long_line():
    values = [A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A]; helper(values); harness.park()  # noqa: E501,E702


def far_below():
    helper(1)
    # padding line 0: the next statement is 300 lines below
    # padding line 1: the next statement is 300 lines below
    # padding line 2: the next statement is 300 lines below
    # padding line 3: the next statement is 300 lines below
    # padding line 4: the next statement is 300 lines below
    # padding line 5: the next statement is 300 lines below
    # padding line 6: the next statement is 300 lines below
    # padding line 7: the next statement is 300 lines below
    # padding line 8: the next statement is 300 lines below
    # padding line 9: the next statement is 300 lines below
    # padding line 10: the next statement is 300 lines below
    # padding line 11: the next statement is 300 lines below
    # padding line 12: the next statement is 300 lines below
    # padding line 13: the next statement is 300 lines below
    # padding line 14: the next statement is 300 lines below
    # padding line 15: the next statement is 300 lines below
    # padding line 16: the next statement is 300 lines below
    # padding line 17: the next statement is 300 lines below
    # padding line 18: the next statement is 300 lines below
    # padding line 19: the next statement is 300 lines below
    # padding line 20: the next statement is 300 lines below
    # padding line 21: the next statement is 300 lines below
    # padding line 22: the next statement is 300 lines below
    # padding line 23: the next statement is 300 lines below
    # padding line 24: the next statement is 300 lines below
    # padding line 25: the next statement is 300 lines below
    # padding line 26: the next statement is 300 lines below
    # padding line 27: the next statement is 300 lines below
    # padding line 28: the next statement is 300 lines below
    # padding line 29: the next statement is 300 lines below
    # padding line 30: the next statement is 300 lines below
    # padding line 31: the next statement is 300 lines below
    # padding line 32: the next statement is 300 lines below
    # padding line 33: the next statement is 300 lines below
    # padding line 34: the next statement is 300 lines below
    # padding line 35: the next statement is 300 lines below
    # padding line 36: the next statement is 300 lines below
    # padding line 37: the next statement is 300 lines below
    # padding line 38: the next statement is 300 lines below
    # padding line 39: the next statement is 300 lines below
    # padding line 40: the next statement is 300 lines below
    # padding line 41: the next statement is 300 lines below
    # padding line 42: the next statement is 300 lines below
    # padding line 43: the next statement is 300 lines below
    # padding line 44: the next statement is 300 lines below
    # padding line 45: the next statement is 300 lines below
    # padding line 46: the next statement is 300 lines below
    # padding line 47: the next statement is 300 lines below
    # padding line 48: the next statement is 300 lines below
    # padding line 49: the next statement is 300 lines below
    # padding line 50: the next statement is 300 lines below
    # padding line 51: the next statement is 300 lines below
    # padding line 52: the next statement is 300 lines below
    # padding line 53: the next statement is 300 lines below
    # padding line 54: the next statement is 300 lines below
    # padding line 55: the next statement is 300 lines below
    # padding line 56: the next statement is 300 lines below
    # padding line 57: the next statement is 300 lines below
    # padding line 58: the next statement is 300 lines below
    # padding line 59: the next statement is 300 lines below
    # padding line 60: the next statement is 300 lines below
    # padding line 61: the next statement is 300 lines below
    # padding line 62: the next statement is 300 lines below
    # padding line 63: the next statement is 300 lines below
    # padding line 64: the next statement is 300 lines below
    # padding line 65: the next statement is 300 lines below
    # padding line 66: the next statement is 300 lines below
    # padding line 67: the next statement is 300 lines below
    # padding line 68: the next statement is 300 lines below
    # padding line 69: the next statement is 300 lines below
    # padding line 70: the next statement is 300 lines below
    # padding line 71: the next statement is 300 lines below
    # padding line 72: the next statement is 300 lines below
    # padding line 73: the next statement is 300 lines below
    # padding line 74: the next statement is 300 lines below
    # padding line 75: the next statement is 300 lines below
    # padding line 76: the next statement is 300 lines below
    # padding line 77: the next statement is 300 lines below
    # padding line 78: the next statement is 300 lines below
    # padding line 79: the next statement is 300 lines below
    # padding line 80: the next statement is 300 lines below
    # padding line 81: the next statement is 300 lines below
    # padding line 82: the next statement is 300 lines below
    # padding line 83: the next statement is 300 lines below
    # padding line 84: the next statement is 300 lines below
    # padding line 85: the next statement is 300 lines below
    # padding line 86: the next statement is 300 lines below
    # padding line 87: the next statement is 300 lines below
    # padding line 88: the next statement is 300 lines below
    # padding line 89: the next statement is 300 lines below
    # padding line 90: the next statement is 300 lines below
    # padding line 91: the next statement is 300 lines below
    # padding line 92: the next statement is 300 lines below
    # padding line 93: the next statement is 300 lines below
    # padding line 94: the next statement is 300 lines below
    # padding line 95: the next statement is 300 lines below
    # padding line 96: the next statement is 300 lines below
    # padding line 97: the next statement is 300 lines below
    # padding line 98: the next statement is 300 lines below
    # padding line 99: the next statement is 300 lines below
    # padding line 100: the next statement is 300 lines below
    # padding line 101: the next statement is 300 lines below
    # padding line 102: the next statement is 300 lines below
    # padding line 103: the next statement is 300 lines below
    # padding line 104: the next statement is 300 lines below
    # padding line 105: the next statement is 300 lines below
    # padding line 106: the next statement is 300 lines below
    # padding line 107: the next statement is 300 lines below
    # padding line 108: the next statement is 300 lines below
    # padding line 109: the next statement is 300 lines below
    # padding line 110: the next statement is 300 lines below
    # padding line 111: the next statement is 300 lines below
    # padding line 112: the next statement is 300 lines below
    # padding line 113: the next statement is 300 lines below
    # padding line 114: the next statement is 300 lines below
    # padding line 115: the next statement is 300 lines below
    # padding line 116: the next statement is 300 lines below
    # padding line 117: the next statement is 300 lines below
    # padding line 118: the next statement is 300 lines below
    # padding line 119: the next statement is 300 lines below
    # padding line 120: the next statement is 300 lines below
    # padding line 121: the next statement is 300 lines below
    # padding line 122: the next statement is 300 lines below
    # padding line 123: the next statement is 300 lines below
    # padding line 124: the next statement is 300 lines below
    # padding line 125: the next statement is 300 lines below
    # padding line 126: the next statement is 300 lines below
    # padding line 127: the next statement is 300 lines below
    # padding line 128: the next statement is 300 lines below
    # padding line 129: the next statement is 300 lines below
    # padding line 130: the next statement is 300 lines below
    # padding line 131: the next statement is 300 lines below
    # padding line 132: the next statement is 300 lines below
    # padding line 133: the next statement is 300 lines below
    # padding line 134: the next statement is 300 lines below
    # padding line 135: the next statement is 300 lines below
    # padding line 136: the next statement is 300 lines below
    # padding line 137: the next statement is 300 lines below
    # padding line 138: the next statement is 300 lines below
    # padding line 139: the next statement is 300 lines below
    # padding line 140: the next statement is 300 lines below
    # padding line 141: the next statement is 300 lines below
    # padding line 142: the next statement is 300 lines below
    # padding line 143: the next statement is 300 lines below
    # padding line 144: the next statement is 300 lines below
    # padding line 145: the next statement is 300 lines below
    # padding line 146: the next statement is 300 lines below
    # padding line 147: the next statement is 300 lines below
    # padding line 148: the next statement is 300 lines below
    # padding line 149: the next statement is 300 lines below
    # padding line 150: the next statement is 300 lines below
    # padding line 151: the next statement is 300 lines below
    # padding line 152: the next statement is 300 lines below
    # padding line 153: the next statement is 300 lines below
    # padding line 154: the next statement is 300 lines below
    # padding line 155: the next statement is 300 lines below
    # padding line 156: the next statement is 300 lines below
    # padding line 157: the next statement is 300 lines below
    # padding line 158: the next statement is 300 lines below
    # padding line 159: the next statement is 300 lines below
    # padding line 160: the next statement is 300 lines below
    # padding line 161: the next statement is 300 lines below
    # padding line 162: the next statement is 300 lines below
    # padding line 163: the next statement is 300 lines below
    # padding line 164: the next statement is 300 lines below
    # padding line 165: the next statement is 300 lines below
    # padding line 166: the next statement is 300 lines below
    # padding line 167: the next statement is 300 lines below
    # padding line 168: the next statement is 300 lines below
    # padding line 169: the next statement is 300 lines below
    # padding line 170: the next statement is 300 lines below
    # padding line 171: the next statement is 300 lines below
    # padding line 172: the next statement is 300 lines below
    # padding line 173: the next statement is 300 lines below
    # padding line 174: the next statement is 300 lines below
    # padding line 175: the next statement is 300 lines below
    # padding line 176: the next statement is 300 lines below
    # padding line 177: the next statement is 300 lines below
    # padding line 178: the next statement is 300 lines below
    # padding line 179: the next statement is 300 lines below
    # padding line 180: the next statement is 300 lines below
    # padding line 181: the next statement is 300 lines below
    # padding line 182: the next statement is 300 lines below
    # padding line 183: the next statement is 300 lines below
    # padding line 184: the next statement is 300 lines below
    # padding line 185: the next statement is 300 lines below
    # padding line 186: the next statement is 300 lines below
    # padding line 187: the next statement is 300 lines below
    # padding line 188: the next statement is 300 lines below
    # padding line 189: the next statement is 300 lines below
    # padding line 190: the next statement is 300 lines below
    # padding line 191: the next statement is 300 lines below
    # padding line 192: the next statement is 300 lines below
    # padding line 193: the next statement is 300 lines below
    # padding line 194: the next statement is 300 lines below
    # padding line 195: the next statement is 300 lines below
    # padding line 196: the next statement is 300 lines below
    # padding line 197: the next statement is 300 lines below
    # padding line 198: the next statement is 300 lines below
    # padding line 199: the next statement is 300 lines below
    # padding line 200: the next statement is 300 lines below
    # padding line 201: the next statement is 300 lines below
    # padding line 202: the next statement is 300 lines below
    # padding line 203: the next statement is 300 lines below
    # padding line 204: the next statement is 300 lines below
    # padding line 205: the next statement is 300 lines below
    # padding line 206: the next statement is 300 lines below
    # padding line 207: the next statement is 300 lines below
    # padding line 208: the next statement is 300 lines below
    # padding line 209: the next statement is 300 lines below
    # padding line 210: the next statement is 300 lines below
    # padding line 211: the next statement is 300 lines below
    # padding line 212: the next statement is 300 lines below
    # padding line 213: the next statement is 300 lines below
    # padding line 214: the next statement is 300 lines below
    # padding line 215: the next statement is 300 lines below
    # padding line 216: the next statement is 300 lines below
    # padding line 217: the next statement is 300 lines below
    # padding line 218: the next statement is 300 lines below
    # padding line 219: the next statement is 300 lines below
    # padding line 220: the next statement is 300 lines below
    # padding line 221: the next statement is 300 lines below
    # padding line 222: the next statement is 300 lines below
    # padding line 223: the next statement is 300 lines below
    # padding line 224: the next statement is 300 lines below
    # padding line 225: the next statement is 300 lines below
    # padding line 226: the next statement is 300 lines below
    # padding line 227: the next statement is 300 lines below
    # padding line 228: the next statement is 300 lines below
    # padding line 229: the next statement is 300 lines below
    # padding line 230: the next statement is 300 lines below
    # padding line 231: the next statement is 300 lines below
    # padding line 232: the next statement is 300 lines below
    # padding line 233: the next statement is 300 lines below
    # padding line 234: the next statement is 300 lines below
    # padding line 235: the next statement is 300 lines below
    # padding line 236: the next statement is 300 lines below
    # padding line 237: the next statement is 300 lines below
    # padding line 238: the next statement is 300 lines below
    # padding line 239: the next statement is 300 lines below
    # padding line 240: the next statement is 300 lines below
    # padding line 241: the next statement is 300 lines below
    # padding line 242: the next statement is 300 lines below
    # padding line 243: the next statement is 300 lines below
    # padding line 244: the next statement is 300 lines below
    # padding line 245: the next statement is 300 lines below
    # padding line 246: the next statement is 300 lines below
    # padding line 247: the next statement is 300 lines below
    # padding line 248: the next statement is 300 lines below
    # padding line 249: the next statement is 300 lines below
    # padding line 250: the next statement is 300 lines below
    # padding line 251: the next statement is 300 lines below
    # padding line 252: the next statement is 300 lines below
    # padding line 253: the next statement is 300 lines below
    # padding line 254: the next statement is 300 lines below
    # padding line 255: the next statement is 300 lines below
    # padding line 256: the next statement is 300 lines below
    # padding line 257: the next statement is 300 lines below
    # padding line 258: the next statement is 300 lines below
    # padding line 259: the next statement is 300 lines below
    # padding line 260: the next statement is 300 lines below
    # padding line 261: the next statement is 300 lines below
    # padding line 262: the next statement is 300 lines below
    # padding line 263: the next statement is 300 lines below
    # padding line 264: the next statement is 300 lines below
    # padding line 265: the next statement is 300 lines below
    # padding line 266: the next statement is 300 lines below
    # padding line 267: the next statement is 300 lines below
    # padding line 268: the next statement is 300 lines below
    # padding line 269: the next statement is 300 lines below
    # padding line 270: the next statement is 300 lines below
    # padding line 271: the next statement is 300 lines below
    # padding line 272: the next statement is 300 lines below
    # padding line 273: the next statement is 300 lines below
    # padding line 274: the next statement is 300 lines below
    # padding line 275: the next statement is 300 lines below
    # padding line 276: the next statement is 300 lines below
    # padding line 277: the next statement is 300 lines below
    # padding line 278: the next statement is 300 lines below
    # padding line 279: the next statement is 300 lines below
    # padding line 280: the next statement is 300 lines below
    # padding line 281: the next statement is 300 lines below
    # padding line 282: the next statement is 300 lines below
    # padding line 283: the next statement is 300 lines below
    # padding line 284: the next statement is 300 lines below
    # padding line 285: the next statement is 300 lines below
    # padding line 286: the next statement is 300 lines below
    # padding line 287: the next statement is 300 lines below
    # padding line 288: the next statement is 300 lines below
    # padding line 289: the next statement is 300 lines below
    # padding line 290: the next statement is 300 lines below
    # padding line 291: the next statement is 300 lines below
    # padding line 292: the next statement is 300 lines below
    # padding line 293: the next statement is 300 lines below
    # padding line 294: the next statement is 300 lines below
    # padding line 295: the next statement is 300 lines below
    # padding line 296: the next statement is 300 lines below
    # padding line 297: the next statement is 300 lines below
    # padding line 298: the next statement is 300 lines below
    # padding line 299: the next statement is 300 lines below
    harness.park()


def in_class_body():
    class Parked:
        harness.park()
    return Parked


def at_import_time():
    import lines_imported  # noqa: F401 (its module body parks)


GENERATED = """
def generated_function():
    harness.park()
"""


def in_generated_code():
    namespace = {"harness": harness}
    exec(compile(GENERATED, "<generated>", "exec"), namespace)
    namespace["generated_function"]()


def main():
    harness.begin()
    for target in (in_except, in_finally, in_with, in_multiline_call, after_long_line,
                   far_below, in_class_body, at_import_time, in_generated_code):
        harness.start_thread(target, name=target.__name__)
    harness.park()


if __name__ == "__main__":
    main()
