#ifndef CLIBUSB_SHIM_H
#define CLIBUSB_SHIM_H
// Found through libusb-1.0.pc: Cflags: -I/usr/include/libusb-1.0
#include <libusb.h>
#endif
