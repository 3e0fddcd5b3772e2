"""The exported function names of an ELF shared library, read from its
dynamic symbol table (what `nm -D --defined-only` lists), without loading it."""

import struct

_SHT_DYNSYM = 11
_STT_FUNC = 2
_STB_GLOBAL, _STB_WEAK = 1, 2


class NotSharedLibrary(ValueError):
    pass


def exported_functions(path):
    """The names of the functions `path` defines and exports."""
    with open(path, "rb") as f:
        ident = f.read(64)
        if len(ident) < 64 or ident[:4] != b"\x7fELF":
            raise NotSharedLibrary("not an ELF file")
        if ident[4] != 2 or ident[5] != 1:
            raise NotSharedLibrary("not a 64-bit little-endian ELF file")
        shoff, = struct.unpack_from("<Q", ident, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", ident, 0x3A)
        if shoff == 0 or shentsize < 64 or shnum == 0:
            raise NotSharedLibrary("no section headers")
        f.seek(shoff)
        table = f.read(shentsize * shnum)
        if len(table) < shentsize * shnum:
            raise NotSharedLibrary("truncated section headers")
        sections = [struct.unpack_from("<IIQQQQIIQQ", table, i * shentsize)
                    for i in range(shnum)]

        def read(section):
            f.seek(section[4])
            data = f.read(section[5])
            if len(data) < section[5]:
                raise NotSharedLibrary("truncated section")
            return data

        names = []
        for section in sections:
            if section[1] != _SHT_DYNSYM or section[6] >= shnum:
                continue
            symbols, strings = read(section), read(sections[section[6]])
            for offset in range(0, len(symbols) - 23, 24):
                name, info, _, shndx = struct.unpack_from("<IBBH", symbols, offset)
                if shndx == 0 or info & 0xF != _STT_FUNC or info >> 4 not in (_STB_GLOBAL, _STB_WEAK):
                    continue
                end = strings.find(b"\0", name)
                names.append(strings[name:end if end >= 0 else None].decode("utf-8", "replace"))
        if not names and not any(s[1] == _SHT_DYNSYM for s in sections):
            raise NotSharedLibrary("no dynamic symbol table (not a shared library)")
        return names
