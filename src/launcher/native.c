/*
 * kubectl-oidc's native launcher: the release archives' `kubectl-oidc` (Linux, Windows) in front of the compiled
 * program, `kubectl-oidc-bin`, beside it. It answers a fresh cached credential from the session's hit file by the sh
 * launcher's rules (src/launcher/script.ts) and Node's reader (src/hit/node-hit.ts) -- test/e2e/hit-readers.test.ts
 * holds all of them to one table -- and hands anything else, unchanged, to kubectl-oidc-bin. A Bun program cannot
 * start in less than a Go plugin does; this starts in about a millisecond.
 *
 * The option table's lists (which variables a hit depends on, which flags are secret or never answered from a hit)
 * come from hit-lists.h, which scripts/native-launcher.mjs writes from the table at build time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hit-lists.h"

#ifdef _WIN32
#include <windows.h>
#define SEP "\\"
#else
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#define SEP "/"
#endif

#define HIT_FORMAT "kubectl-oidc-hit 2"
#ifndef KUBECTL_OIDC_VERSION
#define KUBECTL_OIDC_VERSION "v0.0.0"
#endif
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A growing string; out of memory ends in a miss (the full program). */
typedef struct { char *s; size_t n, cap; } buf;

static int put(buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = (b->n + n + 1) * 2;
    char *p = realloc(b->s, cap);
    if (!p) return 0;
    b->s = p, b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
  return 1;
}
static int puts_(buf *b, const char *s) { return put(b, s, strlen(s)); }
static char *dup_n(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) memcpy(d, s, n), d[n] = 0;
  return d;
}

/* sh case patterns as the table writes them: literals, `*`, `?` and `[0-9]`. */
static int glob(const char *p, const char *s) {
  for (; *p; p++, s++) {
    if (*p == '*') {
      for (;; s++) {
        if (glob(p + 1, s)) return 1;
        if (!*s) return 0;
      }
    }
    if (!*s) return 0;
    if (*p == '[' && strncmp(p, "[0-9]", 5) == 0) {
      if (*s < '0' || *s > '9') return 0;
      p += 4;
    } else if (*p != '?' && *p != *s) return 0;
  }
  return !*s;
}

static int matches_any(const char *const *patterns, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++) if (glob(patterns[i], s)) return 1;
  return 0;
}

static int one_line(const char *s) { return !strpbrk(s, "\n\r\x1f"); }

static int is_secret_flag(const char *arg, size_t len) {
  for (size_t i = 0; i < COUNT(SECRET_FLAGS); i++)
    if (strlen(SECRET_FLAGS[i]) == len && strncmp(SECRET_FLAGS[i], arg, len) == 0) return 1;
  return 0;
}

/* ---- what the platform gives: the arguments and environment as UTF-8, files, the program beside us ---- */

#ifdef _WIN32
static char *utf8(const wchar_t *w) {
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
  char *s = n > 0 ? malloc(n) : NULL;
  if (s) WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
  return s;
}
static wchar_t *wide(const char *s) {
  int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
  wchar_t *w = n > 0 ? malloc(n * sizeof(wchar_t)) : NULL;
  if (w) MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
  return w;
}
/* A variable's value, or NULL when unset (names are case-insensitive, as Node's process.env is here). */
static char *env(const char *name) {
  wchar_t *w = wide(name);
  DWORD n = w ? GetEnvironmentVariableW(w, NULL, 0) : 0;
  char *s = NULL;
  if (n > 0) {
    wchar_t *v = malloc(n * sizeof(wchar_t));
    if (v && GetEnvironmentVariableW(w, v, n) < n) s = utf8(v);
    free(v);
  }
  free(w);
  return s;
}
/* Node's os.homedir() takes USERPROFILE first; without it, the full program knows. */
static char *home(void) { char *h = env("USERPROFILE"); return h && *h ? h : NULL; }
static int exists(const char *path) {
  wchar_t *w = wide(path);
  DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
  free(w);
  return a != INVALID_FILE_ATTRIBUTES;
}
/* A regular file (no link, no directory, no device), read whole. */
static char *read_own(const char *path) {
  wchar_t *w = wide(path);
  HANDLE h = w ? CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                             FILE_FLAG_OPEN_REPARSE_POINT, NULL)
               : INVALID_HANDLE_VALUE;
  free(w);
  if (h == INVALID_HANDLE_VALUE) return NULL;
  BY_HANDLE_FILE_INFORMATION info;
  buf b = {0};
  if (GetFileType(h) == FILE_TYPE_DISK && GetFileInformationByHandle(h, &info) &&
      !(info.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT))) {
    char chunk[4096];
    DWORD got;
    int ok = puts_(&b, "");
    while (ok && ReadFile(h, chunk, sizeof chunk, &got, NULL) && got > 0) ok = put(&b, chunk, got);
    if (!ok) free(b.s), b.s = NULL;
  }
  CloseHandle(h);
  return b.s;
}
/* Calls back with each name in dir ending in .hit until it answers non-zero. */
static int each_hit(const char *dir, int (*fn)(const char *dir, const char *name, void *), void *ctx) {
  buf pattern = {0};
  if (!puts_(&pattern, dir) || !puts_(&pattern, SEP "*.hit")) return 0;
  wchar_t *w = wide(pattern.s);
  free(pattern.s);
  WIN32_FIND_DATAW found;
  HANDLE h = w ? FindFirstFileW(w, &found) : INVALID_HANDLE_VALUE;
  free(w);
  if (h == INVALID_HANDLE_VALUE) return 0;
  int done = 0;
  do {
    char *name = utf8(found.cFileName);
    size_t n = name ? strlen(name) : 0;
    /* FindFirstFile also matches 8.3 names and *.hitx: the long name must end in .hit. */
    if (n > 4 && strcmp(name + n - 4, ".hit") == 0) done = fn(dir, name, ctx);
    free(name);
  } while (!done && FindNextFileW(h, &found));
  FindClose(h);
  return done;
}
static int write_out(const char *s, size_t n) {
  HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
  DWORD wrote;
  while (n > 0) {
    if (!WriteFile(out, s, (DWORD)n, &wrote, NULL)) return 0;
    s += wrote, n -= wrote;
  }
  return 1;
}
/* A file that exists. */
static int is_file(const wchar_t *path) {
  DWORD a = GetFileAttributesW(path);
  return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}
/*
 * kubectl-oidc-bin.exe: beside this file, links followed (winget links the command; scoop runs a shim from the app's
 * directory); else in krew's store for this version, as krew copies the launcher alone into its bin directory when
 * Windows does not let it make a link.
 */
static int find_program(wchar_t *out, DWORD size) {
  wchar_t self[32768];
  DWORD n = GetModuleFileNameW(NULL, self, 32768);
  if (n == 0 || n >= 32768) return 0;
  HANDLE h = CreateFileW(self, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
  if (h != INVALID_HANDLE_VALUE) {
    DWORD m = GetFinalPathNameByHandleW(h, out, size - 32, FILE_NAME_NORMALIZED);
    CloseHandle(h);
    /* \\?\C:\… as a plain path; other forms (\\?\UNC\…) as they are. */
    if (m > 0 && m < size - 32) {
      if (wcsncmp(out, L"\\\\?\\", 4) == 0 && out[5] == L':') memmove(out, out + 4, (wcslen(out) - 3) * sizeof(wchar_t));
      wchar_t *slash = wcsrchr(out, L'\\');
      if (slash && (wcscpy(slash + 1, L"kubectl-oidc-bin.exe"), is_file(out))) return 1;
    }
  }
  wchar_t *slash = wcsrchr(self, L'\\');
  if (slash && (size_t)(slash - self) + 32 < size) {
    wcsncpy(out, self, (size_t)(slash - self) + 1);
    wcscpy(out + (slash - self) + 1, L"kubectl-oidc-bin.exe");
    if (is_file(out)) return 1;
  }
  char *root = env("KREW_ROOT"), *h2 = home();
  buf krew = {0};
  int ok = (root && *root ? puts_(&krew, root) : h2 && puts_(&krew, h2) && puts_(&krew, "\\.krew")) &&
           puts_(&krew, "\\store\\oidc\\" KUBECTL_OIDC_VERSION "\\kubectl-oidc-bin.exe");
  wchar_t *w = ok ? wide(krew.s) : NULL;
  ok = w && wcslen(w) < size && is_file(w);
  if (ok) wcscpy(out, w);
  free(w), free(krew.s), free(root), free(h2);
  return ok;
}
/* kubectl-oidc-bin.exe started with this command line; its exit status becomes ours. */
static int hand_over(void) {
  wchar_t self[32768];
  if (!find_program(self, 32768)) {
    fputs("kubectl-oidc: kubectl-oidc-bin.exe is not beside kubectl-oidc.exe (nor in krew's store for " KUBECTL_OIDC_VERSION
          "): reinstall kubectl-oidc\n", stderr);
    return 1;
  }
  /* Ctrl-C reaches both processes: the program beside us decides what it means; we wait for it. */
  SetConsoleCtrlHandler(NULL, TRUE);
  /* If this process is ended, the program beside it ends too. */
  HANDLE job = CreateJobObjectW(NULL, NULL);
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = {0};
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (job) SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits);
  STARTUPINFOW si;
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  PROCESS_INFORMATION pi;
  if (!CreateProcessW(self, GetCommandLineW(), NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, &pi)) {
    char *path = utf8(self);
    fprintf(stderr, "kubectl-oidc: cannot start %s (Windows error %lu): reinstall kubectl-oidc\n", path ? path : "kubectl-oidc-bin.exe",
            GetLastError());
    return 1;
  }
  if (job) AssignProcessToJobObject(job, pi.hProcess);
  ResumeThread(pi.hThread);
  WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 1;
  GetExitCodeProcess(pi.hProcess, &code);
  return (int)code;
}
#else
static char *env(const char *name) { char *v = getenv(name); return v ? strdup(v) : NULL; }
static char *home(void) { char *h = env("HOME"); return h && *h ? h : NULL; }
static int exists(const char *path) { struct stat st; return stat(path, &st) == 0; }
/* Ours, exactly 0600, a regular file: opened without following a link or waiting on a FIFO, judged by what was opened. */
static char *read_own(const char *path) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  buf b = {0};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == getuid() && (st.st_mode & 0777) == 0600) {
    char chunk[4096];
    ssize_t got;
    int ok = puts_(&b, "");
    while (ok && (got = read(fd, chunk, sizeof chunk)) > 0) ok = put(&b, chunk, (size_t)got);
    if (!ok || got < 0) free(b.s), b.s = NULL;
  }
  close(fd);
  return b.s;
}
static int each_hit(const char *dir, int (*fn)(const char *dir, const char *name, void *), void *ctx) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int done = 0;
  struct dirent *e;
  while (!done && (e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n > 4 && strcmp(e->d_name + n - 4, ".hit") == 0) done = fn(dir, e->d_name, ctx);
  }
  closedir(d);
  return done;
}
static int write_out(const char *s, size_t n) {
  while (n > 0) {
    ssize_t wrote = write(1, s, n);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return 0;
    s += wrote, n -= (size_t)wrote;
  }
  return 1;
}
/* kubectl-oidc-bin in the directory of this file (links followed: krew and Homebrew put links on PATH), exec'd. */
static int hand_over(char **argv) {
  static char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 32);
  char *slash = n > 0 ? (self[n] = 0, strrchr(self, '/')) : NULL;
  if (!slash) return fputs("kubectl-oidc: cannot find its own file (/proc/self/exe)\n", stderr), 1;
  strcpy(slash + 1, "kubectl-oidc-bin");
  argv[0] = self;
  execv(self, argv);
  fprintf(stderr, "kubectl-oidc: cannot run %s (%s): reinstall kubectl-oidc\n", self, strerror(errno));
  return 1;
}
#endif

/* ---- the hit: the same rules as the sh launcher ---- */

typedef struct {
  const char *args, *env, *session_dir, *version;
  long long now;
} run_t;

/* The line for this run if the file is exactly six lines in this format, for these signatures, fresh now. */
static int serve(const char *dir, const char *name, void *ctx) {
  run_t *run = ctx;
  buf path = {0}, session = {0};
  int served = 0;
  /* A hit stands for a session the cache still has: once logged out, a hit file left anywhere is dead. */
  if (!puts_(&session, run->session_dir) || !puts_(&session, SEP) || !put(&session, name, strlen(name) - 4) ||
      !puts_(&session, ".json") || !exists(session.s) || !puts_(&path, dir) || !puts_(&path, SEP) || !puts_(&path, name))
    goto out;
  char *text = read_own(path.s);
  if (!text) goto out;
  char *line[7] = {0};
  int lines = 0;
  for (char *p = text; lines < 7; lines++) {
    char *nl = strchr(p, '\n');
    line[lines] = p;
    if (!nl) break;
    *nl = 0;
    p = nl + 1;
  }
  /* Six complete lines and nothing after them. */
  if (lines == 6 && *line[6] == 0 && strcmp(line[0], HIT_FORMAT) == 0 && strcmp(line[2], run->args) == 0 &&
      strcmp(line[3], run->env) == 0) {
    size_t digits = strspn(line[1], "0123456789");
    if (digits >= 1 && digits <= 12 && line[1][digits] == 0 && run->now < atoll(line[1])) {
      const char *credential = strcmp(run->version, "v1") == 0 ? line[4] : line[5];
      served = 1;
      if (!write_out(credential, strlen(credential)) || !write_out("\n", 1)) exit(1); /* no one is reading */
    }
  }
  free(text);
out:
  free(path.s), free(session.s);
  return served;
}

/* The apiVersion kubectl asks for, from the top level of KUBERNETES_EXEC_INFO only (before "spec"); NULL: ask the program. */
static const char *version_asked(void) {
  char *info = env("KUBERNETES_EXEC_INFO");
  if (!info) return "v1beta1";
  char *spec = strstr(info, "\"spec\"");
  if (spec) *spec = 0;
  const char *version = !*info ? "v1beta1"
                        : strstr(info, "\"apiVersion\":\"client.authentication.k8s.io/v1beta1\"") ? "v1beta1"
                        : strstr(info, "\"apiVersion\":\"client.authentication.k8s.io/v1\"")      ? "v1"
                                                                                                   : NULL;
  free(info);
  return version;
}

static int is_false(const char *value) {
  for (size_t i = 0; i < COUNT(FALSE_SPELLINGS); i++) if (strcmp(FALSE_SPELLINGS[i], value) == 0) return 1;
  return 0;
}

/* Whether this run is answered from a hit file, and then printed. */
static int served_hit(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "get-token") != 0) return 0;
  char *force = env(FORCE_REFRESH_VARIABLE);
  int forced = force && !is_false(force);
  free(force);
  if (forced) return 0;
  for (size_t i = 0; i < COUNT(IDENTITY_ENVIRONMENT); i++) {
    char *v = env(IDENTITY_ENVIRONMENT[i]);
    if (v) return free(v), 0;
  }
  /* The arguments a hit stands for: secrets blanked, each field on one line. */
  buf args = {0}, envs = {0};
  const char *dir = NULL;
  int secret_next = 0, dir_next = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (matches_any(UNJUDGED, COUNT(UNJUDGED), arg)) return 0;
    if (dir_next) dir = arg, dir_next = 0;
    if (strncmp(arg, "--token-cache-dir=", 18) == 0) dir = arg + 18;
    else if (strcmp(arg, "--token-cache-dir") == 0) dir_next = 1;
    const char *eq = strchr(arg, '=');
    size_t keep = strlen(arg);
    if (secret_next) keep = 0, secret_next = 0; /* the value of a secret flag */
    else if (eq && is_secret_flag(arg, (size_t)(eq - arg))) keep = (size_t)(eq - arg) + 1;
    else secret_next = is_secret_flag(arg, keep);
    char *piece = dup_n(arg, keep);
    int ok = piece && one_line(piece) && (i == 1 || put(&args, "\x1f", 1)) && puts_(&args, piece);
    free(piece);
    if (!ok) return 0;
  }
  /* The environment it stands for: each variable unset (u) or set (s and its value, none for a secret). */
  for (size_t i = 0; i < COUNT(HIT_ENVIRONMENT); i++) {
    char *v = env(HIT_ENVIRONMENT[i]);
    int secret = 0;
    for (size_t j = 0; j < COUNT(SECRET_ENVIRONMENT); j++) secret |= strcmp(SECRET_ENVIRONMENT[j], HIT_ENVIRONMENT[i]) == 0;
    int ok = (i == 0 || put(&envs, "\x1f", 1)) && (!v ? puts_(&envs, "u") : puts_(&envs, "s") && (secret || puts_(&envs, v)));
    if (v && !secret && !one_line(v)) ok = 0;
    free(v);
    if (!ok) return 0;
  }
  const char *version = version_asked();
  if (!version) return 0;
  /* The cache directory, as the full program finds it: the flag, its variable, ~ and ~/… expanded, else the default. */
  char *dir_env = env("KUBECTL_OIDC_TOKEN_CACHE_DIR");
  if ((!dir || !*dir) && dir_env) dir = dir_env;
  if (dir && !*dir) dir = NULL;
  buf cache = {0};
  if (dir && (strcmp(dir, "~") == 0 || strncmp(dir, "~/", 2) == 0)) {
    char *h = home();
    if (!h || !puts_(&cache, h) || !puts_(&cache, dir + 1)) return 0;
  } else if (dir) {
    if (!puts_(&cache, dir)) return 0;
  } else {
    char *kubecache = env("KUBECACHEDIR"), *h = home();
    if (kubecache && *kubecache) {
      if (!puts_(&cache, kubecache)) return 0;
    } else if (!h || !puts_(&cache, h) || !puts_(&cache, SEP ".kube" SEP "cache")) return 0;
    if (!puts_(&cache, SEP "kubectl-oidc")) return 0;
  }
  run_t run = {args.s ? args.s : "", envs.s, cache.s, version, (long long)time(NULL)};
  if (each_hit(cache.s, serve, &run)) return 1;
  /* The keyring's hit files live on the per-user tmpfs. */
  char *runtime = env("XDG_RUNTIME_DIR");
  buf tmpfs = {0};
  return runtime && *runtime && puts_(&tmpfs, runtime) && puts_(&tmpfs, SEP "kubectl-oidc") && each_hit(tmpfs.s, serve, &run);
}

#ifdef _WIN32
int wmain(int argc, wchar_t **wargv) {
  char **argv = calloc((size_t)argc + 1, sizeof(char *));
  for (int i = 0; argv && i < argc; i++) if (!(argv[i] = utf8(wargv[i]))) return hand_over();
  return argv && served_hit(argc, argv) ? 0 : hand_over();
}
#else
int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN); /* a reader gone is EPIPE: exit 1 quietly */
  if (served_hit(argc, argv)) return 0;
  signal(SIGPIPE, SIG_DFL);
  return hand_over(argv);
}
#endif
