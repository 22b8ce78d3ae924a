# SPDX-License-Identifier: GPL-3.0-or-later
# asyncio_workload.py: coroutines run by asyncio, blocking (synchronously)
# deep inside an await chain, an async generator and an async with, so the
# stack is stable. The main thread runs one event loop, a named thread
# another.

import asyncio

import workload_harness as harness


def run(coroutine):
    # asyncio.run is 3.7+; 3.6 programs ran their own loop.
    if hasattr(asyncio, "run"):
        return asyncio.run(coroutine)
    return asyncio.new_event_loop().run_until_complete(coroutine)


async def query_database(query):
    harness.park()
    return query


async def handle_request(request):
    result = await query_database(request)
    return result


async def serve():
    return await handle_request("GET /")


async def ticker():
    yield 1
    harness.park()
    yield 2


class Session:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False

    async def run(self):
        async for _ in ticker():
            pass


async def background():
    async with Session() as session:
        await session.run()


def loop_in_thread():
    run(background())


def main():
    harness.begin()
    harness.start_thread(loop_in_thread, name="event-loop-2")
    run(serve())


if __name__ == "__main__":
    main()
