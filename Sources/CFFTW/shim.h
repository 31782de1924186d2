// FFTW 3, single precision (fftwf_*). Plans are made once with FFTW_ESTIMATE (deterministic)
// and reused; planning is not thread-safe, so callers serialise plan creation.
#include <fftw3.h>

static inline unsigned atf_fftw_estimate(void) { return FFTW_ESTIMATE; }
static inline unsigned atf_fftw_preserve_input(void) { return FFTW_PRESERVE_INPUT; }
