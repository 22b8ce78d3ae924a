# SPDX-License-Identifier: GPL-3.0-or-later
# ünïcödé_wörkload.py: non-ASCII file, function, class and thread names
# (2-, 3- and 4-byte UTF-8).

import workload_harness as harness


def función_λ():
    harness.park()


class Ñandú:
    def método_ß(self):
        función_λ()


def 関数_東京():
    Ñandú().método_ß()


def main():
    harness.begin()
    harness.start_thread(función_λ, name="wörker-λ")
    harness.start_thread(関数_東京, name="スレッド-🐍")
    harness.start_thread(función_λ, name='a "quoted" \\ name')
    Ñandú().método_ß()


if __name__ == "__main__":
    main()
