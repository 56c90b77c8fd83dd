/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GP_VERSION_H
#define GP_VERSION_H

#define GP_VERSION "0.1.0"

#endif
