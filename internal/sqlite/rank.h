// See rank.c and rank.go.
int trove_rank_register(void);
long long trove_rank_install(long n, const long long *rowid, const int *len);
long long trove_collect_new(long words, int shift);
const unsigned long long *trove_collect_bits(long long id, long *words);
void trove_drop(long long id);
long long trove_sqlite_memory(int highwater);
