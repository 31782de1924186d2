// libsndfile: decoding of WAV, FLAC, OGG/Vorbis and the other formats it supports.
#include <sndfile.h>
