// libsamplerate (Secret Rabbit Code): band-limited sample-rate conversion.
#include <samplerate.h>
