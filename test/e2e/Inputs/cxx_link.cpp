// The generated header from C++: the declarations must carry C linkage, or
// this does not link against the object.
#include "le.h"

#include <cstdio>

int main() {
  const char *first = le_label(0);
  std::printf("le: %d labels, first \"%s\"\n", LE_NUM_LABELS,
              first ? first : "(null)");
  return le_label(LE_NUM_LABELS) == nullptr ? 0 : 1;
}
