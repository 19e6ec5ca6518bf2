/*
 * The stampede benchmark's outside client for the fresh-fleet burst (compiled by bench/stampede.mjs
 * when a C compiler is on PATH; bench/lib/stampede-client.mjs is the Node fallback). A lean measurer,
 * as wrk or ab would be: one epoll loop, one non-blocking socket per request opened at the burst, a
 * pre-built GET written as soon as the socket connects (on loopback, right after connect() returns),
 * the response read until its Content-Length.
 *
 *   stampede-client HOST PATH PER_TARGET PORT...
 *
 * It prints "ready", waits for a line on stdin ("go"), then opens PER_TARGET sockets to each port,
 * round-robin over the ports, keeps every socket open until all are answered, and prints one line per
 * request, target by target:
 *   <target> <status> <hit 0|1> <opened> <connected> <head> <end>     (ns since the epoch; 0: none)
 * then "cpu <ms>": this process's user+system CPU from "go" to the last answer.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 8192

struct conn {
  int fd, target, written, done, status, hit;
  long long opened, connected, head, end;
  int len, body_at;
  long received, need;
  char buf[BUF];
};

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 +
         ru.ru_stime.tv_usec / 1e3;
}

/* The value of header `name` (with its colon) in the head [buf, buf+n), case-insensitive, or NULL. */
static const char *field(const char *buf, int n, const char *name) {
  size_t k = strlen(name);
  for (int i = 0; i + 2 + (int)k < n; i++) {
    if (buf[i] == '\r' && buf[i + 1] == '\n' && strncasecmp(buf + i + 2, name, k) == 0) {
      const char *v = buf + i + 2 + k;
      while (*v == ' ') v++;
      return v;
    }
  }
  return NULL;
}

static void finish(struct conn *c, int *pending) {
  if (c->done) return;
  c->done = 1;
  c->end = now_ns();
  (*pending)--;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s HOST PATH PER_TARGET PORT...\n", argv[0]);
    return 2;
  }
  const char *host = argv[1], *path = argv[2];
  int per = atoi(argv[3]), targets = argc - 4;
  int total = per * targets;
  char request[1024];
  int request_len = snprintf(request, sizeof request,
                             "GET %s HTTP/1.1\r\nhost: %s\r\nconnection: keep-alive\r\n\r\n", path, host);
  struct sockaddr_in *addrs = calloc(targets, sizeof *addrs);
  for (int t = 0; t < targets; t++) {
    addrs[t].sin_family = AF_INET;
    addrs[t].sin_port = htons((unsigned short)atoi(argv[4 + t]));
    addrs[t].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  struct conn *conns = calloc(total, sizeof *conns);
  int ep = epoll_create1(0);
  struct epoll_event *events = calloc(total, sizeof *events);

  char line[64];
  printf("ready\n");
  fflush(stdout);
  if (fgets(line, sizeof line, stdin) == NULL) return 1;
  double cpu0 = cpu_ms();

  int pending = total;
  for (int i = 0; i < per; i++) {
    for (int t = 0; t < targets; t++) {
      struct conn *c = &conns[t * per + i];
      c->target = t;
      c->opened = now_ns();
      c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      int one = 1;
      setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (connect(c->fd, (struct sockaddr *)&addrs[t], sizeof addrs[t]) < 0 && errno != EINPROGRESS) {
        finish(c, &pending);
        continue;
      }
      /* on loopback the handshake is usually over by now: send at once, not after the whole loop */
      struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
      if (write(c->fd, request, request_len) == request_len) {
        c->connected = now_ns();
        c->written = 1;
        ev.events = EPOLLIN;
      }
      epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
  }

  while (pending > 0) {
    int n = epoll_wait(ep, events, total, 30000);
    if (n <= 0) break;
    for (int e = 0; e < n; e++) {
      struct conn *c = events[e].data.ptr;
      if (c->done) continue;
      if (!c->written && (events[e].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          finish(c, &pending);
          continue;
        }
        c->connected = now_ns();
        c->written = 1;
        if (write(c->fd, request, request_len) != request_len) {
          finish(c, &pending);
          continue;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        continue;
      }
      if (events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        for (;;) {
          /* the head is kept in the buffer; body bytes past it are only counted */
          int at = c->body_at == 0 ? c->len : 0;
          ssize_t r = read(c->fd, c->buf + at, at == 0 ? BUF : BUF - at);
          if (r < 0 && errno == EAGAIN) break;
          if (r <= 0) {
            if (c->body_at == 0 || c->received < c->need) c->status = 0;
            finish(c, &pending);
            break;
          }
          c->received += r;
          if (c->body_at == 0) {
            c->len += (int)r;
            char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
            if (end == NULL) {
              if (c->len == BUF) { /* a head longer than the buffer: not an answer of the fleet */
                finish(c, &pending);
                break;
              }
              continue;
            }
            c->head = now_ns();
            c->body_at = (int)(end - c->buf) + 4;
            c->status = c->len > 12 ? atoi(c->buf + 9) : 0;
            const char *cl = field(c->buf, c->body_at, "content-length:");
            c->need = c->body_at + (cl ? atol(cl) : 0);
            const char *cs = field(c->buf, c->body_at, "cache-status:");
            if (cs != NULL) {
              const char *eol = memchr(cs, '\r', c->buf + c->body_at - cs);
              c->hit = eol != NULL && memmem(cs, (size_t)(eol - cs), " hit", 4) != NULL;
            }
          }
          if (c->received >= c->need) {
            finish(c, &pending);
            break;
          }
        }
      }
    }
  }
  double cpu = cpu_ms() - cpu0;
  for (int k = 0; k < total; k++) {
    struct conn *c = &conns[k];
    printf("%d %d %d %lld %lld %lld %lld\n", c->target, c->done ? c->status : 0, c->hit, c->opened,
           c->connected, c->head, c->end);
  }
  printf("cpu %.3f\n", cpu);
  fflush(stdout);
  for (int k = 0; k < total; k++) close(conns[k].fd);
  return 0;
}
