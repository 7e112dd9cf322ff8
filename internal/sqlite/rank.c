// trove_rank: FTS5's bm25 ranking, computed the same way, with each row's
// length in tokens read from a table held in memory instead of from the
// %_docsize table. FTS5's own bm25 runs a prepared statement per matching
// row for that length, which is most of the cost of ranking a broad query.
// See rank.go.

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rank.h"

// The SQLite and FTS5 interfaces used here, declared as sqlite3.h and
// fts5.h define them. The functions are the ones compiled into the binary
// by github.com/mattn/go-sqlite3.
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef struct sqlite3_context sqlite3_context;
typedef struct sqlite3_value sqlite3_value;
typedef long long sqlite3_int64;

#define SQLITE_OK 0
#define SQLITE_ERROR 1
#define SQLITE_BUSY 5
#define SQLITE_LOCKED 6
#define SQLITE_NOMEM 7

extern int sqlite3_auto_extension(void (*xEntryPoint)(void));
extern int sqlite3_busy_timeout(sqlite3 *, int);
extern int sqlite3_prepare_v2(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);
extern int sqlite3_bind_pointer(sqlite3_stmt *, int, void *, const char *, void (*)(void *));
extern int sqlite3_step(sqlite3_stmt *);
extern int sqlite3_finalize(sqlite3_stmt *);
extern void sqlite3_result_double(sqlite3_context *, double);
extern void sqlite3_result_error_code(sqlite3_context *, int);
extern void sqlite3_result_error(sqlite3_context *, const char *, int);
extern sqlite3_int64 sqlite3_value_int64(sqlite3_value *);

typedef struct Fts5Context Fts5Context;
typedef struct Fts5PhraseIter {
	const unsigned char *a;
	const unsigned char *b;
} Fts5PhraseIter;
typedef struct Fts5ExtensionApi Fts5ExtensionApi;
struct Fts5ExtensionApi {
	int iVersion;
	void *(*xUserData)(Fts5Context *);
	int (*xColumnCount)(Fts5Context *);
	int (*xRowCount)(Fts5Context *, sqlite3_int64 *pnRow);
	int (*xColumnTotalSize)(Fts5Context *, int iCol, sqlite3_int64 *pnToken);
	int (*xTokenize)(Fts5Context *, const char *pText, int nText, void *pCtx,
	                 int (*xToken)(void *, int, const char *, int, int, int));
	int (*xPhraseCount)(Fts5Context *);
	int (*xPhraseSize)(Fts5Context *, int iPhrase);
	int (*xInstCount)(Fts5Context *, int *pnInst);
	int (*xInst)(Fts5Context *, int iIdx, int *piPhrase, int *piCol, int *piOff);
	sqlite3_int64 (*xRowid)(Fts5Context *);
	int (*xColumnText)(Fts5Context *, int iCol, const char **pz, int *pn);
	int (*xColumnSize)(Fts5Context *, int iCol, int *pnToken);
	int (*xQueryPhrase)(Fts5Context *, int iPhrase, void *pUserData,
	                    int (*)(const Fts5ExtensionApi *, Fts5Context *, void *));
	int (*xSetAuxdata)(Fts5Context *, void *pAux, void (*xDelete)(void *));
	void *(*xGetAuxdata)(Fts5Context *, int bClear);
	int (*xPhraseFirst)(Fts5Context *, int iPhrase, Fts5PhraseIter *, int *, int *);
	void (*xPhraseNext)(Fts5Context *, Fts5PhraseIter *, int *piCol, int *piOff);
	int (*xPhraseFirstColumn)(Fts5Context *, int iPhrase, Fts5PhraseIter *, int *);
	void (*xPhraseNextColumn)(Fts5Context *, Fts5PhraseIter *, int *piCol);
};
typedef void (*fts5_extension_function)(const Fts5ExtensionApi *pApi, Fts5Context *pFts,
                                        sqlite3_context *pCtx, int nVal, sqlite3_value **apVal);
typedef struct fts5_api fts5_api;
struct fts5_api {
	int iVersion;
	void *xCreateTokenizer;
	void *xFindTokenizer;
	int (*xCreateFunction)(fts5_api *pApi, const char *zName, void *pUserData,
	                       fts5_extension_function xFunction, void (*xDestroy)(void *));
};

// Objects Go hands to queries by ID, shared between Go and the queries
// using them: freed when Go has dropped its reference and the last query
// is done. IDs are never reused, and a lookup checks the kind, so a stale
// or wrong ID finds nothing.
enum { KIND_LENS = 1, KIND_COLLECTOR };

typedef struct shared {
	long long id;
	int kind;
	int refs; // Go's (until trove_drop) and each query's
	void (*free)(struct shared *);
	struct shared *next;
} shared;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static shared *registry;
static long long lastID;

static long long share(shared *s, int kind, void (*fr)(shared *)) {
	s->kind = kind;
	s->refs = 1;
	s->free = fr;
	pthread_mutex_lock(&mu);
	s->id = ++lastID;
	s->next = registry;
	registry = s;
	pthread_mutex_unlock(&mu);
	return s->id;
}

static void unref(shared *s) {
	// called with mu held
	if (--s->refs == 0) s->free(s);
}

// acquire returns the object id of that kind with a reference for the
// caller, or NULL.
static shared *acquire(long long id, int kind) {
	shared *found = 0;
	pthread_mutex_lock(&mu);
	for (shared *s = registry; s; s = s->next) {
		if (s->id == id && s->kind == kind) {
			s->refs++;
			found = s;
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	return found;
}

static void release(shared *s) {
	pthread_mutex_lock(&mu);
	unref(s);
	pthread_mutex_unlock(&mu);
}

// trove_drop removes object id from the registry and drops Go's reference.
void trove_drop(long long id) {
	pthread_mutex_lock(&mu);
	for (shared **p = &registry; *p; p = &(*p)->next) {
		if ((*p)->id == id) {
			shared *s = *p;
			*p = s->next;
			unref(s);
			break;
		}
	}
	pthread_mutex_unlock(&mu);
}

// A table of row lengths: rowids ascending, len[i] the tokens of row
// rowid[i] over all columns.
typedef struct lens {
	shared sh; // first: a lens is a shared
	long n;
	sqlite3_int64 *rowid;
	int *len;
} lens;

static void lensFree(shared *s) {
	lens *t = (lens *)s;
	free(t->rowid);
	free(t->len);
	free(t);
}

long long trove_rank_install(long n, const long long *rowid, const int *len) {
	lens *t = calloc(1, sizeof(lens));
	if (!t) return 0;
	t->rowid = malloc(sizeof(sqlite3_int64) * (n > 0 ? n : 1));
	t->len = malloc(sizeof(int) * (n > 0 ? n : 1));
	if (!t->rowid || !t->len) {
		lensFree(&t->sh);
		return 0;
	}
	memcpy(t->rowid, rowid, sizeof(sqlite3_int64) * n);
	memcpy(t->len, len, sizeof(int) * n);
	t->n = n;
	return share(&t->sh, KIND_LENS, lensFree);
}

// A collector: a bitmap of the blobs (rowid >> shift) of every row ranked
// with it, so that a search counts its matches from the ranking pass
// instead of reading the doclists a second time.
typedef struct collector {
	shared sh; // first: a collector is a shared
	int shift;
	long words;
	unsigned long long *bits;
} collector;

static void collectorFree(shared *s) {
	collector *c = (collector *)s;
	free(c->bits);
	free(c);
}

long long trove_collect_new(long words, int shift) {
	collector *c = calloc(1, sizeof(collector));
	if (!c) return 0;
	c->bits = calloc(words > 0 ? words : 1, sizeof(unsigned long long));
	if (!c->bits) {
		free(c);
		return 0;
	}
	c->words = words;
	c->shift = shift;
	return share(&c->sh, KIND_COLLECTOR, collectorFree);
}

// trove_collect_bits returns the bitmap of collector id (words long), or
// NULL. The caller holds its reference until trove_drop.
const unsigned long long *trove_collect_bits(long long id, long *words) {
	collector *c = (collector *)acquire(id, KIND_COLLECTOR);
	if (!c) return 0;
	*words = c->words;
	const unsigned long long *b = c->bits;
	release(&c->sh); // Go's own reference keeps it
	return b;
}

// Per query: the statistics bm25 needs and the position reached in the
// table (FTS5 visits rows in rowid order, so lookups mostly step forward).
typedef struct query {
	lens *t;
	collector *col;
	long pos;
	int nPhrase;
	double avgdl;
	double *idf;
	double *freq;
} query;

static void queryFree(void *p) {
	query *q = p;
	if (q->t) release(&q->t->sh);
	if (q->col) release(&q->col->sh);
	free(q->idf);
	free(q->freq);
	free(q);
}

static int countCb(const Fts5ExtensionApi *api, Fts5Context *fts, void *user) {
	(void)api;
	(void)fts;
	(*(sqlite3_int64 *)user)++;
	return SQLITE_OK;
}

static int setup(const Fts5ExtensionApi *api, Fts5Context *fts, long long id, long long colID, query **out) {
	query *q = calloc(1, sizeof(query));
	if (!q) return SQLITE_NOMEM;
	q->nPhrase = api->xPhraseCount(fts);
	q->idf = calloc(q->nPhrase > 0 ? q->nPhrase : 1, sizeof(double));
	q->freq = calloc(q->nPhrase > 0 ? q->nPhrase : 1, sizeof(double));
	if (!q->idf || !q->freq) {
		queryFree(q);
		return SQLITE_NOMEM;
	}
	sqlite3_int64 nRow = 0, nToken = 0;
	int rc = api->xRowCount(fts, &nRow);
	if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &nToken);
	if (rc == SQLITE_OK) q->avgdl = (double)nToken / (double)nRow;
	for (int i = 0; rc == SQLITE_OK && i < q->nPhrase; i++) {
		sqlite3_int64 nHit = 0;
		rc = api->xQueryPhrase(fts, i, &nHit, countCb);
		if (rc == SQLITE_OK) {
			double idf = log((nRow - nHit + 0.5) / (nHit + 0.5));
			if (idf <= 0.0) idf = 1e-6;
			q->idf[i] = idf;
		}
	}
	if (rc == SQLITE_OK) rc = api->xSetAuxdata(fts, q, queryFree);
	if (rc != SQLITE_OK) {
		queryFree(q);
		return rc;
	}
	q->t = (lens *)acquire(id, KIND_LENS); // after xSetAuxdata, which frees q on failure
	if (colID) q->col = (collector *)acquire(colID, KIND_COLLECTOR);
	*out = q;
	return SQLITE_OK;
}

// rowLength finds the row's length in the table; -1 if it is not there.
static int rowLength(query *q, sqlite3_int64 rowid) {
	lens *t = q->t;
	if (!t || t->n == 0) return -1;
	long lo = q->pos, hi;
	if (lo >= t->n || t->rowid[lo] > rowid) lo = 0;
	if (t->rowid[lo] == rowid) return t->len[lo];
	// Gallop forward from lo, then search between the last two steps.
	long step = 1;
	hi = lo + 1;
	while (hi < t->n && t->rowid[hi] < rowid) {
		lo = hi;
		step *= 2;
		hi = lo + step;
	}
	if (hi >= t->n) hi = t->n - 1;
	while (lo < hi) {
		long m = lo + (hi - lo) / 2;
		if (t->rowid[m] < rowid) lo = m + 1;
		else hi = m;
	}
	if (t->rowid[lo] != rowid) return -1;
	q->pos = lo;
	return t->len[lo];
}

static void rankFunc(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                     int nVal, sqlite3_value **apVal) {
	const double k1 = 1.2, b = 0.75;
	query *q = api->xGetAuxdata(fts, 0);
	int rc = SQLITE_OK;
	if (!q) {
		if (nVal < 1) {
			sqlite3_result_error(ctx, "trove_rank: want the length table's ID", -1);
			return;
		}
		rc = setup(api, fts, sqlite3_value_int64(apVal[0]), nVal > 1 ? sqlite3_value_int64(apVal[1]) : 0, &q);
		if (rc != SQLITE_OK) {
			sqlite3_result_error_code(ctx, rc);
			return;
		}
	}
	memset(q->freq, 0, sizeof(double) * q->nPhrase);
	int nInst = 0;
	rc = api->xInstCount(fts, &nInst);
	for (int i = 0; rc == SQLITE_OK && i < nInst; i++) {
		int ip, ic, io;
		rc = api->xInst(fts, i, &ip, &ic, &io);
		if (rc == SQLITE_OK && ip >= 0 && ip < q->nPhrase) q->freq[ip] += 1.0;
	}
	double D = 0;
	if (rc == SQLITE_OK) {
		sqlite3_int64 rowid = api->xRowid(fts);
		if (q->col && rowid >= 0) {
			unsigned long long blob = (unsigned long long)rowid >> q->col->shift;
			if ((long)(blob / 64) < q->col->words) {
				__atomic_fetch_or(&q->col->bits[blob / 64], 1ULL << (blob % 64), __ATOMIC_RELAXED);
			}
		}
		int n = rowLength(q, rowid);
		if (n < 0) rc = api->xColumnSize(fts, -1, &n); // a row newer than the table
		D = (double)n;
	}
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	double score = 0.0;
	for (int i = 0; i < q->nPhrase; i++) {
		score += q->idf[i] * ((q->freq[i] * (k1 + 1.0)) / (q->freq[i] + k1 * (1 - b + b * D / q->avgdl)));
	}
	sqlite3_result_double(ctx, -1.0 * score);
}

static int entry(sqlite3 *db, const char **errmsg, const void *api) {
	(void)errmsg;
	(void)api;
	fts5_api *fts = 0;
	sqlite3_stmt *st = 0;
	// The statement reads the schema: wait for a writer or a closing
	// connection's checkpoint instead of failing (the driver sets its own
	// timeout once the connection is open).
	sqlite3_busy_timeout(db, 30000);
	int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, 0);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return rc; // the open fails, rather than lack the function
	if (rc != SQLITE_OK) return SQLITE_OK;                   // no FTS5 in this build
	sqlite3_bind_pointer(st, 1, (void *)&fts, "fts5_api_ptr", 0);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!fts || fts->iVersion < 2) return SQLITE_OK;
	return fts->xCreateFunction(fts, "trove_rank", 0, rankFunc, 0);
}

int trove_rank_register(void) { return sqlite3_auto_extension((void (*)(void))entry); }

extern sqlite3_int64 sqlite3_memory_used(void);
extern sqlite3_int64 sqlite3_memory_highwater(int resetFlag);

long long trove_sqlite_memory(int highwater) {
	return highwater ? sqlite3_memory_highwater(0) : sqlite3_memory_used();
}
