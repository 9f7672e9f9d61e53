#include <windows.h>
#include <bcrypt.h>
/* Wine 8 lacks ProcessPrng, which Windows 10+ exports and the executable imports: the same bytes from BCryptGenRandom. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  return BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG));
}
