/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CONNWATCH_H
#define FW_CONNWATCH_H

#include <sys/socket.h>

/*
 * A deadline for receiving each request.  libmicrohttpd's connection
 * timeout counts only inactivity: a client that sends a byte a second is
 * never inactive and would hold its connection (and, a thread per
 * connection, its thread) for ever.  The watch gives every connection
 * `timeout` seconds to send each request whole: its headers from the
 * connect or the end of the previous request, its body from the end of
 * its headers.  Answering takes as long as it takes.  A connection past
 * its deadline has its socket shut down by the watch's thread, so that
 * its own thread sees the end of the stream and libmicrohttpd closes it.
 *
 * The server owns the sockets: a connection must leave the watch
 * (connwatch_leave()) before its socket is closed, so that the watch never
 * shuts down a descriptor that has been reused meanwhile (and the watch
 * checks the descriptor's peer before it does).
 *
 * Thread-safe.  Functions print nothing; the caller may pass a log
 * function that is called (from the watch's thread) for each connection
 * cut.
 */
struct connwatch;
struct connwatch_conn;

/*
 * Start the watch and its thread; NULL when out of memory or threads.
 * cut(addr), when not NULL, is told of each connection shut down (addr is
 * the client's address as text).  Free with connwatch_free().
 */
struct connwatch *connwatch_new(unsigned timeout_s, void (*cut)(const char *addr, unsigned timeout_s));
/* Stop the thread and free the watch; every connection must have left. */
void connwatch_free(struct connwatch *w);

/*
 * A new connection on socket fd from addr (text, for the log): its first
 * request is awaited from now.  NULL when out of memory or fd has no peer:
 * that connection then has only libmicrohttpd's idle timeout.
 */
struct connwatch_conn *connwatch_join(struct connwatch *w, int fd, const char *addr);
/* The connection's socket is about to be closed; c is freed.  NULL is fine. */
void connwatch_leave(struct connwatch *w, struct connwatch_conn *c);
/* Awaiting (part of) a request from now on: its body, or the next request. */
void connwatch_await(struct connwatch *w, struct connwatch_conn *c);
/* A request is whole and being answered: no deadline until connwatch_await(). */
void connwatch_busy(struct connwatch *w, struct connwatch_conn *c);

#endif
