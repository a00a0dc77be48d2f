#!/usr/bin/env python3
"""A PostgreSQL wire-protocol proxy that logs every client round trip.

Usage: pgtrace.py LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT LOGFILE

One line per round trip (a Sync or a simple Query: the client then waits for
ReadyForQuery), listing the statements it executed, e.g.
    rt  exec: SELECT ... | exec: INSERT ...
    rt  query: BEGIN
    rt  prepare: UPDATE ...            (Parse/Describe only: first use of a statement)
The bench points a second, single-connection server at it to count what one
request sends to PostgreSQL. SSL/GSS requests are refused so the stream stays
readable (the client falls back to plain TCP, as `sslmode=prefer` allows).
"""
import asyncio
import struct
import sys

LISTEN, UP_HOST, UP_PORT, LOG = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
log = open(LOG, "a", buffering=1)


def cstr(buf, at):
    end = buf.index(b"\0", at)
    return buf[at:end].decode("utf-8", "replace"), end + 1


def short(sql):
    return " ".join(sql.split())[:160]


async def pump(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def client(creader, cwriter):
    statements = {}  # prepared statement name -> SQL
    portals = {}  # portal name -> SQL
    pending = []  # what the current round trip did
    sreader = swriter = None
    try:
        # Untyped startup phase: refuse SSL/GSS, forward the StartupMessage.
        while True:
            head = await creader.readexactly(8)
            length, code = struct.unpack("!ii", head)
            rest = await creader.readexactly(length - 8)
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest
                cwriter.write(b"N")
                await cwriter.drain()
                continue
            sreader, swriter = await asyncio.open_connection(UP_HOST, UP_PORT)
            swriter.write(head + rest)
            break
        back = asyncio.ensure_future(pump(sreader, cwriter))
        while True:
            head = await creader.readexactly(5)
            kind, length = head[:1], struct.unpack("!i", head[1:])[0]
            body = await creader.readexactly(length - 4)
            swriter.write(head + body)
            await swriter.drain()
            if kind == b"P":
                name, at = cstr(body, 0)
                sql, _ = cstr(body, at)
                statements[name] = sql
                pending.append("prepare: " + short(sql))
            elif kind == b"B":
                portal, at = cstr(body, 0)
                stmt, _ = cstr(body, at)
                portals[portal] = statements.get(stmt, "?")
            elif kind == b"E":
                portal, _ = cstr(body, 0)
                sql = portals.get(portal, "?")
                # An executed statement supersedes its own "prepare" entry.
                pending = [p for p in pending if p != "prepare: " + short(sql)]
                pending.append("exec: " + short(sql))
            elif kind == b"Q":
                sql, _ = cstr(body, 0)
                log.write("rt  query: " + short(sql) + "\n")
            elif kind == b"S":
                log.write("rt  " + (" | ".join(pending) or "sync") + "\n")
                pending = []
            elif kind == b"X":
                break
        back.cancel()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        cwriter.close()
        if swriter:
            swriter.close()


async def main():
    server = await asyncio.start_server(client, "127.0.0.1", LISTEN)
    async with server:
        await server.serve_forever()


asyncio.run(main())
