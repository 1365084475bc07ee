#!/usr/bin/env python3
"""Hand-made decoder cases: every opcode's valid and invalid forms.

Each case is (name, pickle bytes, expected, options). `expected` is the
canonical text (harness/pickle/canonical.md) of the decoded value, or
"Kind@offset" for a rejection (ErrorKind name and the offset of the failing
opcode). Expectations follow CPython 3.11's C unpickler (`pickle.loads` on
bytes, with the safe policy); oracles/test_decoder_cases.py checks every
rejection's exception type against CPython itself.

Writes harness/pickle/testdata/decoder_cases.tsv (read by decoder_test.cc):
    name <TAB> options <TAB> hex <TAB> expected
options: comma-separated key=value: enc=NAME, err=NAME, fix=0, pers=0,
buf=wHEX;rHEX (writable and read-only out-of-band buffers; "buf=" alone is
an empty list), as oracles/gen_vectors.py writes them.

usage: scripts/gen_decoder_cases.py
"""
import os

Z8 = b'\x00'*8
C = []
def c(name, data, exp, **opt): C.append((name, data, exp, opt))
# INT
c("Int", b"I1\n.", "1"); c("IntTrueText", b"I01\n.", "True"); c("IntFalseText", b"I00\n.", "False")
c("IntPlusOneIsBool", b"I+1\n.", "True"); c("IntSpaceOneIsBool", b"I 1\n.", "True"); c("IntMinusZeroIsBool", b"I-0\n.", "False")
c("IntOctal", b"I010\n.", "8"); c("IntBadOctal", b"I08\n.", "BadIntLiteral@0"); c("IntEmptyLine", b"I\n.", "Truncated@0")
c("IntNoNewline", b"I12", "Truncated@0"); c("IntUnderscore", b"I1_0\n.", "10"); c("IntHex", b"I0x1f\n.", "31")
c("IntBin", b"I0b101\n.", "5"); c("IntNulStops", b"I1\x00zz\n.", "1"); c("IntNulZeroIsBool", b"I0\x00\n.", "False")
c("IntDigitLimit", b"I" + b"1"*4301 + b"\n.", "BadIntLiteral@0"); c("Int4300Digits", b"I" + b"1"*4300 + b"\n.", "0x" + format(int("1"*4300), "x"))
c("IntZeroPaddedOctal", b"I" + b"0"*5000 + b"7\n.", "7"); c("IntBeyondInt64", b"I9223372036854775808\n.", "9223372036854775808")
c("IntNegative", b"I-5\n.", "-5"); c("IntTrailingSpace", b"I1 \n.", "1"); c("IntDoubleUnderscore", b"I1__0\n.", "BadIntLiteral@0")
# BININT*
c("BinInt", b"J\xff\xff\xff\xff.", "-1"); c("BinIntTruncated", b"J\x00\x00", "Truncated@0")
c("BinInt1", b"K\x05.", "5"); c("BinInt1Truncated", b"K", "Truncated@0"); c("BinInt2", b"M\xff\xff.", "65535"); c("BinInt2Truncated", b"M\xff", "Truncated@0")
# LONG
c("Long", b"L12L\n.", "12"); c("LongNoSuffix", b"L12\n.", "12"); c("LongLowercaseL", b"L12l\n.", "BadIntLiteral@0")
c("LongEmpty", b"L\n.", "Truncated@0"); c("LongOnlyL", b"LL\n.", "BadIntLiteral@0"); c("LongNonUtf8", b"L\x82\n.", "UnicodeDecode@0")
c("LongNul", b"L12\x00abc\n.", "12"); c("LongLeadingZero", b"L010\n.", "BadIntLiteral@0"); c("LongHex", b"L0x10L\n.", "16")
c("LongSpaces", b"L 12 \n.", "12"); c("LongDigitLimit", b"L" + b"1"*4301 + b"L\n.", "IntDigitLimit@0")
c("LongBig", b"L123456789012345678901234567890L\n.", "0x18ee90ff6c373e0ee4e3f0ad2")
# LONG1/LONG4
c("Long1Zero", b"\x8a\x00.", "0"); c("Long1MinusOne", b"\x8a\x01\xff.", "-1"); c("Long1_255", b"\x8a\x02\xff\x00.", "255")
c("Long1Truncated", b"\x8a\x05\xff.", "Truncated@0"); c("Long1Pow64", b"\x8a\x09" + Z8 + b"\x01.", "0x10000000000000000")
c("Long1Pow63", b"\x8a\x09" + b"\x00"*7 + b"\x80\x00.", "9223372036854775808")
c("Long1MinPow64", b"\x8a\x09" + Z8 + b"\xff.", "-0x10000000000000000")
c("Long4Negative", b"\x8b\xff\xff\xff\xff.", "NegativeLongLength@0"); c("Long4", b"\x8b\x01\x00\x00\x00\x7f.", "127")
c("Long4Truncated", b"\x8b\x01\x00", "Truncated@0")
# FLOAT
c("Float", b"F1.5\n.", "1.5"); c("FloatLeadingSpace", b"F 1.5\n.", "BadFloatLiteral@0"); c("FloatTrailingSpace", b"F1.5 \n.", "BadFloatLiteral@0")
c("FloatOverflow", b"F1e999\n.", "FloatOverflow@0"); c("FloatNul", b"F1.5\x00x\n.", "1.5"); c("FloatMinusNan", b"F-nan\n.", "nan(0xfff8000000000000)")
c("FloatNan", b"Fnan\n.", "nan"); c("FloatInfinity", b"F-Infinity\n.", "-inf"); c("FloatUnderflow", b"F1e-400\n.", "0.0"); c("FloatEmpty", b"F\n.", "Truncated@0")
c("FloatUnderscore", b"F1_0\n.", "BadFloatLiteral@0"); c("FloatHex", b"F0x10\n.", "BadFloatLiteral@0"); c("FloatRepr", b"F0.1\n.", "0.1")
c("BinFloatNanPayload", b"G\x7f\xf8\x00\x00\x00\x00\x00\x01.", "nan(0x7ff8000000000001)"); c("BinFloatNegZero", b"G\x80" + b"\x00"*7 + b".", "-0.0")
c("BinFloatTruncated", b"G\x00", "Truncated@0"); c("BinFloat", b"G?\xf8\x00\x00\x00\x00\x00\x00.", "1.5")
# STRING family
c("String", b"S'abc'\n.", '"abc"'); c("StringDoubleQuotes", b'S"a\'b"\n.', '"a\'b"'); c("StringMismatchedQuotes", b"S'abc\"\n.", "StringNotQuoted@0")
c("StringLoneQuote", b"S'\n.", "StringNotQuoted@0"); c("StringEmptyLine", b"S\n.", "StringNotQuoted@0"); c("StringNoNewline", b"S'a'", "Truncated@0")
c("StringBadHexEscape", b"S'\\x4'\n.", "BadEscape@0"); c("StringTrailingBackslash", b"S'\\'\n.", "TrailingBackslash@0")
c("StringEscapes", b"S'\\x41\\n\\101\\q'\n.", '"A\\nA\\\\q"')
c("StringNonAscii", b"S'\xe9'\n.", "UnicodeDecode@0"); c("StringLatin1", b"S'\xe9'\n.", '"é"', encoding="latin1")
c("StringBytes", b"S'\xe9'\n.", 'b"\\xe9"', encoding="bytes"); c("StringReplace", b"S'\xe9'\n.", '"\ufffd"', errors="replace")
c("StringUnknownEncoding", b"S'a'\n.", "UnknownEncoding@0", encoding="nope"); c("StringUnknownEncodingUnused", b"N.", "None", encoding="nope")
c("StringEmptyUnknownEncoding", b"S''\n.", '""', encoding="nope"); c("ShortBinStringEmptyOtherCodec", b"U\x00.", '""', encoding="hex")
c("StringBogusHandlerUnused", b"S'a'\n.", '"a"', errors="bogus"); c("StringBogusHandlerUsed", b"S'\xff'\n.", "UnknownErrorHandler@0", errors="bogus")
c("BinString", b"T\x03\x00\x00\x00abc.", '"abc"'); c("BinStringHugeCount", b"T\xff\xff\xff\xff.", "Truncated@0")
c("BinStringIgnore", b"T\x01\x00\x00\x00\xe9.", '""', errors="ignore")
c("ShortBinString", b"U\x03abc.", '"abc"'); c("ShortBinStringTruncated", b"U\x05abc.", "Truncated@0")
# BYTES family
c("BinBytes", b"B\x03\x00\x00\x00abc.", 'b"abc"'); c("BinBytesEmptyAtEnd", b"B\x00\x00\x00\x00", "Truncated@0")
c("BinBytesEmpty", b"B\x00\x00\x00\x00.", 'b""'); c("BinBytesTruncated", b"B\x00\x00\x00p.", "Truncated@0")
c("ShortBinBytesEmptyAtEnd", b"C\x00", "Truncated@0"); c("ShortBinBytesEmpty", b"C\x00.", 'b""')
c("BinBytes8Overflow", b"\x8e" + b"\x00"*7 + b"\x80.", "SizeOverflow@0"); c("BinBytes8", b"\x8e\x02" + b"\x00"*7 + b"hi.", 'b"hi"')
c("ByteArray8", b"\x96\x03" + b"\x00"*7 + b"abc.", 'bytearray(b"abc")'); c("ByteArray8EmptyAtEnd", b"\x96" + Z8, "Truncated@0")
c("ByteArray8Overflow", b"\x96" + b"\x00"*7 + b"\x80.", "SizeOverflow@0"); c("ByteArray8Truncated", b"\x96\x05" + b"\x00"*7 + b"ab.", "Truncated@0")
# buffers
c("NextBufferWithoutBuffers", b"\x97.", "NoBuffers@0"); c("NextBufferExhausted", b"\x97.", "BuffersExhausted@0", buffers=[])
c("NextBuffer", b"\x97.", 'buffer(0, b"ab")', buffers=[(b"ab", False)]); c("NextBufferReadOnly", b"\x97.", 'buffer(0, b"ab", readonly)', buffers=[(b"ab", True)])
c("ReadOnlyBufferEmpty", b"\x98.", "StackUnderflow@0"); c("ReadOnlyBufferNone", b"N\x98.", "NotBytesLike@1")
c("ReadOnlyBufferWritable", b"\x97\x98.", 'readonly(buffer(0, b"ab"))', buffers=[(b"ab", False)])
c("ReadOnlyBufferReadOnly", b"\x97\x98.", 'buffer(0, b"ab", readonly)', buffers=[(b"ab", True)])
c("ReadOnlyBufferByteArray", b"\x96\x01" + b"\x00"*7 + b"a\x98.", 'readonly(bytearray(b"a"))'); c("ReadOnlyBufferBytes", b"C\x01a\x98.", 'b"a"')
c("ReadOnlyBufferOnMark", b"(\x98.", "UnexpectedMark@1")
# singletons
c("None", b"N.", "None"); c("NewTrue", b"\x88.", "True"); c("NewFalse", b"\x89.", "False")
# UNICODE family
c("Unicode", b"Vabc\n.", '"abc"'); c("UnicodeLatin1Byte", b"V\xe9\n.", '"é"'); c("UnicodeEscape", b"V\\u20ac\n.", '"€"')
c("UnicodeLoneSurrogate", b"V\\ud800\n.", '"\\ud800"'); c("UnicodeTruncatedEscape", b"V\\u00e\n.", "UnicodeDecode@0")
c("UnicodeOutOfRange", b"V\\U00110000\n.", "UnicodeDecode@0"); c("UnicodeEmpty", b"V\n.", '""'); c("UnicodeBackslashX", b"V\\x41\n.", '"\\\\x41"')
c("UnicodeNoNewline", b"V", "Truncated@0"); c("UnicodeTrailingBackslash", b"V\\\n.", '"\\\\"')
c("ShortBinUnicode", b"\x8c\x03abc.", '"abc"'); c("ShortBinUnicodeOverlong", b"\x8c\x02\xc0\x80.", "UnicodeDecode@0")
c("ShortBinUnicodeTruncated", b"\x8c\x05ab.", "Truncated@0"); c("BinUnicodeSurrogate", b"X\x03\x00\x00\x00\xed\xa0\x80.", '"\\ud800"')
c("BinUnicodeHugeCount", b"X\xff\xff\xff\xff.", "Truncated@0"); c("BinUnicodeSwallowsStop", b"X\x03\x00\x00\x00ab.", "EndOfInput@8")
c("BinUnicodeEmptyAtEnd", b"X\x00\x00\x00\x00", "EndOfInput@5")
c("BinUnicode8Overflow", b"\x8d" + b"\x00"*7 + b"\x80.", "SizeOverflow@0"); c("BinUnicode8ReadOverflow", b"\x8d" + b"\xff"*7 + b"\x7f.", "ReadOverflow@0")
c("BinUnicodeAstral", b"X\x04\x00\x00\x00\xf0\x9f\x98\x80.", '"😀"'); c("BinUnicodeC1Control", b"X\x02\x00\x00\x00\xc2\x85.", '"\\x85"')
# lists
c("AppendOne", b"]K\x01a.", "[1]"); c("AppendEmptyStack", b"a.", "StackUnderflow@0"); c("Appends", b"](K\x01K\x02e.", "[1, 2]")
c("AppendsNoTarget", b"(e.", "StackUnderflow@1"); c("AppendsNoMark", b"e.", "MarkNotFound@0"); c("List", b"(K\x01l.", "[1]"); c("ListNoMark", b"l.", "MarkNotFound@0")
c("EmptyAppendsOnNone", b"N(e.", "None"); c("AppendsOnInt", b"K\x01(K\x02e.", "NoAttribute@5"); c("AppendOnDict", b"}K\x01a.", "NoAttribute@3")
c("AppendOnMarkTarget", b"(K\x01a.", "UnexpectedMark@3")
c("AppendsToByteArray", b"\x96" + Z8 + b"(K\x41K\x42e.", 'bytearray(b"AB")'); c("AppendsToByteArrayOutOfRange", b"\x96" + Z8 + b"(M\x00\x01e.", "CallValueError@13")
# tuples
c("EmptyTuple", b").", "()"); c("MarkTuple", b"(t.", "()"); c("Tuple1", b"K\x01\x85.", "(1,)"); c("Tuple1Underflow", b"\x85.", "StackUnderflow@0")
c("Tuple1AcrossMark", b"N(\x85.", "UnexpectedMark@2"); c("Tuple2", b"K\x01K\x02\x86.", "(1, 2)"); c("Tuple3", b"NNN\x87.", "(None, None, None)")
c("Tuple3Short", b"(N\x87.", "UnexpectedMark@2"); c("Tuple", b"(K\x01K\x02K\x03K\x04t.", "(1, 2, 3, 4)"); c("TupleNoMark", b"t.", "MarkNotFound@0")
# dicts
c("SetItem", b"}K\x01K\x02s.", "{1: 2}"); c("Dict", b"(K\x01K\x02d.", "{1: 2}"); c("DictOdd", b"(K\x01d.", "OddDictItems@3")
c("SetItemsOdd", b"}(K\x01K\x02K\x03u.", "OddSetItems@8"); c("SetItems", b"}(K\x01K\x02u.", "{1: 2}"); c("SetItemUnhashable", b"}]K\x01s.", "Unhashable@4")
c("SetItemUnderflow", b"s.", "StackUnderflow@0"); c("SetItemOnInt", b"K\x01K\x02K\x03s.", "NoItemAssignment@6")
c("DictKeysUnify", bytes.fromhex("7d284b018c0161888c0162473ff00000000000008c0163752e"), '{1: "c"}')
c("DictFirstKeyStays", bytes.fromhex("7d28888c01614b018c0162752e"), '{True: "b"}')
c("DictNaNKeysDistinct", b"}(G\x7f\xf8" + b"\x00"*6 + b"K\x01G\x7f\xf8" + b"\x00"*6 + b"K\x02u.", "{nan: 1, nan: 2}")
c("DictNaNKeySameObject", b"}(G\x7f\xf8" + b"\x00"*6 + b"q\x00K\x01h\x00K\x02u.", "{nan: 2}")
c("DictTupleKeyWithList", b"}]\x85K\x01s.", "Unhashable@5"); c("DictBigIntFloatKey", b"}(\x8a\x09" + Z8 + b"\x01K\x01GC\xf0\x00\x00\x00\x00\x00\x00K\x02u.", "{0x10000000000000000: 2}")
c("DictIntFloatEqual", b"}(J\x01\x00\x20\x00K\x01GA@\x00\x00\x80\x00\x00\x00K\x02u.", "{2097153: 2}")
c("DictStrBytesDistinct", b"}(\x8c\x01aK\x01C\x01aK\x02u.", '{"a": 1, b"a": 2}')
c("SetItemOnList", b"]K\x01a(K\x00K\x07u.", "[7]"); c("SetItemOnListOutOfRange", b"](K\x00K\x07u.", "IndexOutOfRange@6")
c("SetItemOnListStrKey", b"]K\x01a(\x8c\x01aK\x07u.", "BadIndexType@10")
# sets
c("AddItems", b"\x8f(K\x01K\x02\x90.", "{1, 2}"); c("FrozenSet", b"(K\x01\x91.", "frozenset({1})"); c("AddItemsNoMark", b"\x90.", "MarkNotFound@0")
c("FrozenSetUnhashable", b"(]\x91.", "Unhashable@2"); c("FrozenSetFirstStays", bytes.fromhex("28473ff00000000000004b0188912e"), "frozenset({1.0})")
c("EmptyAdditemsOnFrozenSet", bytes.fromhex("284b019128902e"), "frozenset({1})"); c("AddItemsOnFrozenSet", b"(K\x01\x91(K\x02\x90.", "NoAttribute@7")
c("SetSorted", b"\x8f(K\x03K\x01K\x02\x90.", "{1, 2, 3}"); c("EmptySet", b"\x8f.", "set()"); c("EmptyFrozenSet", b"(\x91.", "frozenset()")
# stack
c("PopThenNone", b"N0N.", "None"); c("PopEmpty", b"0.", "StackUnderflow@0"); c("PopRemovesMark", b"N(0.", "None")
c("PopMark", b"(1N.", "None"); c("PopMarkDropsItems", b"N(NN1.", "None"); c("PopMarkNoMark", b"1.", "MarkNotFound@0")
c("Dup", b"K\x012\x86.", "(1, 1)"); c("DupEmpty", b"2.", "StackUnderflow@0"); c("DupOnMark", b"(2.", "UnexpectedMark@1")
# memo
c("SelfReferencingList", b"]q\x00h\x00a.", "&1 [*1]"); c("PutGetText", b"Np0\ng0\n\x86.", "(None, None)"); c("GetMissing", b"g0\n.", "MemoMissing@0")
c("BinGetMissing", b"h\x05.", "MemoMissing@0"); c("LongBinPutHuge", b"Nr\xff\xff\xff\xffj\xff\xff\xff\xff\x86.", "(None, None)")
c("PutEmptyStack", b"p0\n.", "StackUnderflow@0"); c("PutOnMark", b"(p0\n.", "UnexpectedMark@1"); c("PutNegative", b"Np-1\n.", "NegativePut@1")
c("PutTooLarge", b"Np9223372036854775808\n.", "IntTooLarge@1"); c("Memoize", b"N\x94h\x00\x86.", "(None, None)")
c("MemoizeUsesCount", b"Nq\x05\x94h\x01\x86.", "(None, None)"); c("GetNegative", b"g-1\n.", "MemoMissing@0"); c("PutNul", b"Np1\x00x\ng1\n\x86.", "(None, None)")
c("PutSpacesUnderscore", bytes.fromhex("4e7020315f30200a6731300a862e"), "(None, None)"); c("PutStackCheckedFirst", b"p\xaa\n.", "StackUnderflow@0")
c("PutNonUtf8", b"Np\xaa\n.", "UnicodeDecode@1"); c("PutEmptyLine", b"Np\n.", "Truncated@1"); c("GetHex", b"Np0\ng0x1\n.", "BadIntLiteral@4")
c("SharedTuple", b"(K\x01K\x02tq\x01]q\x02(h\x01h\x01e0h\x02.", "[&1 (1, 2), *1]")
c("SharedStr", b"\x8c\x05hello\x94]\x94(h\x00h\x00e.", '[&1 "hello", *1]'); c("OneCharStrsAreSingletons", b"(\x8c\x01a\x8c\x01at.", '("a", "a")')
# EXT
c("Ext1Zero", b"\x82\x00.", "ExtCodeNotPositive@0"); c("Ext1", b"\x82\x01.", "ExtUnregistered@0"); c("Ext4Negative", b"\x84\xff\xff\xff\xff.", "ExtCodeNotPositive@0")
c("Ext2", b"\x83\x01\x02.", "ExtUnregistered@0"); c("Ext4Truncated", b"\x84\x01\x00", "Truncated@0")
# globals
c("Global", b"cos\nsystem\n.", "@os:system"); c("GlobalFixImports", b"c__builtin__\nset\n.", "@builtins:set")
c("GlobalFixImportsProto3", b"\x80\x03c__builtin__\nset\n.", "@__builtin__:set"); c("GlobalNoFixImports", b"c__builtin__\nset\n.", "@__builtin__:set", fix_imports=False)
c("GlobalNameMapping", b"c__builtin__\nunicode\n.", "@builtins:str"); c("GlobalCopyReg", b"ccopy_reg\n_reconstructor\n.", "@copyreg:_reconstructor")
c("GlobalEmptyModule", b"c\nA\n.", "Truncated@0"); c("GlobalBadUtf8", b"c\xff\nA\n.", "UnicodeDecode@0"); c("GlobalQuotedName", b"cmy mod\nA\n.", '@"my mod":A')
c("GlobalTruncated", b"cm\nA", "Truncated@0"); c("GlobalSameObject", b"(cm\nA\ncm\nA\nl.", "[@m:A, @m:A]")
c("StackGlobal", b"\x8c\x02os\x8c\x06system\x93.", "@os:system"); c("StackGlobalNotStr", b"K\x01K\x02\x93.", "StackGlobalNotStr@4")
c("StackGlobalUnderflow", b"\x8c\x01A\x93.", "StackUnderflow@3"); c("StackGlobalBytes", b"C\x01mC\x01A\x93.", "StackGlobalNotStr@6")
# REDUCE and friends
c("ReduceStub", b"cos\nsystem\n(S'ls'\ntR.", '@os:system("ls")'); c("ReduceSetFromList", b"cbuiltins\nset\n](K\x01K\x02e\x85R.", "{1, 2}")
c("ReduceEmptySet", b"c__builtin__\nset\n)R.", "set()"); c("ReduceListArgs", b"cm\nA\n]R.", "ReduceArgsNotTuple@6"); c("ReduceNotCallable", b"N)R.", "NotCallable@2")
c("ReduceCodecsEncode", b"c_codecs\nencode\nX\x02\x00\x00\x00abX\x06\x00\x00\x00latin1\x86R.", 'b"ab"')
c("ReduceCodecsEncodeUnencodable", b"c_codecs\nencode\nX\x03\x00\x00\x00\xe2\x82\xacX\x06\x00\x00\x00latin1\x86R.", "UnicodeEncode@36")
c("ReduceBytesEmpty", b"c__builtin__\nbytes\n)R.", 'b""'); c("ReduceByteArray", b"cbuiltins\nbytearray\nC\x02ab\x85R.", 'bytearray(b"ab")')
c("ReduceComplex", b"cbuiltins\ncomplex\nG?\xf0\x00\x00\x00\x00\x00\x00G@\x00\x00\x00\x00\x00\x00\x00\x86R.", "complex(1.0, 2.0)")
c("ReduceFrozenSetSame", b"cbuiltins\nfrozenset\n(K\x01\x91\x85R.", "frozenset({1})"); c("ReduceObject", b"cbuiltins\nobject\n)R.", "object()")
c("ReduceObjectArgs", b"cbuiltins\nobject\nK\x01\x85R.", "CallTypeError@20"); c("ReduceSetOfInt", b"cbuiltins\nset\nK\x01\x85R.", "CallTypeError@17")
c("ReduceOnInstance", b"cm\nA\n)\x81K\x01\x85R.", "call(new(@m:A, ()), 1)")
c("ReconstructorObject", b"ccopy_reg\n_reconstructor\n(cm\nA\nc__builtin__\nobject\nNtR.", "new(@m:A, ())")
c("ReconstructorStubBase", b"ccopy_reg\n_reconstructor\n(cm\nA\ncm\nB\nK\x05tR.", "@m:A(5)")
c("ReconstructorSetBase", b"ccopy_reg\n_reconstructor\n(c__builtin__\nset\nc__builtin__\nset\n](K\x01K\x02etR.", "{1, 2}")
c("ReconstructorSetBaseOtherClass", b"ccopy_reg\n_reconstructor\n(cm\nA\nc__builtin__\nset\nNtR.", "CallTypeError@50")
c("Build", b"cm\nA\n)\x81}b.", "new(@m:A, ()).build({})"); c("BuildDictOnNone", b"N}b.", "NoAttribute@2"); c("BuildNoneOnNone", b"NNb.", "None")
c("BuildIntState", b"K\x01K\x00b.", "StateNotDict@4"); c("BuildUnderflow", b"}b.", "StackUnderflow@1"); c("BuildOnClass", b"cm\nA\n}b.", "CallTypeError@6")
c("BuildSlotStateNotDict", b"NNK\x01\x86b.", "SlotStateNotDict@5"); c("BuildSlotStateNone", b"K\x00NN\x86b.", "SlotStateNotDict@5"); c("BuildEmptySlotState", b"NN}\x86b.", "None")
c("BuildSlotStateOnBuiltinFunction", b"c_codecs\nencode\nN}\x8c\x00K\x00s\x86b.", "NoAttribute@24")
c("SetItemByteArrayValueBeforeIndex", b"\x96\x02" + b"\x00"*7 + b"\x00\x00J\x00\x00\x000I500\ns.", "CallValueError@21")
c("SetItemByteArrayValueTypeBeforeIndex", b"\x96" + Z8 + b"I0\n\x96" + Z8 + b"s.", "CallTypeError@21")
c("SetItemOnStrHugeIndex", b"\x8c\x01a(\x8a\x09" + Z8 + b"\x01K\x00u.", "IndexOutOfRange@17")
# bytes(n)/bytearray(n) with n beyond Py_ssize_t: OverflowError either sign ("cannot fit 'int' into an index-sized integer").
c("ReduceBytesHugeNegative", b"cbuiltins\nbytes\nL-9900000000000000000\n\x85R.", "IntTooLarge@39")
c("ReduceByteArrayHugePositive", b"cbuiltins\nbytearray\n\x8a\x09" + b"\x00"*8 + b"\x01\x85R.", "IntTooLarge@32")
c("SetItemOnTuple", b")K\x00K\x00s.", "NoItemAssignment@5")
# Argument Clinic's str converter, per argument in order: type, UTF-8 (a lone surrogate), NUL.
c("BytesEncodingSurrogateBeforeSource", b"cbuiltins\nbytes\n(G" + b"\x00"*8 + b"X\x03\x00\x00\x00\xed\xb3\xbftR.", "UnicodeEncode@35")
c("BytesEncodingSurrogateBeforeNul", b"cbuiltins\nbytes\n(X\x01\x00\x00\x00aX\x04\x00\x00\x00\xed\xb3\xbf\x00tR.", "UnicodeEncode@33")
c("BytesEncodingNulBeforeErrorsType", b"cbuiltins\nbytes\n(X\x01\x00\x00\x00aX\x02\x00\x00\x00x\x00K\x05tR.", "CallValueError@33")
c("CodecsEncodeErrorsSurrogate", b"c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00utf-8X\x03\x00\x00\x00\xed\xb3\xbf\x87R.", "UnicodeEncode@41")
c("ByteArrayEncodingNulBeforeSource", b"(\x89V\x00\ni__builtin__\nbytearray\n.", "CallValueError@5")
c("NewObjExSetIgnoresKwargs", b"cbuiltins\nset\n(t(K\x00\x89d\x92.", "set()")
c("BuildTwice", b"cm\nA\n)\x81K\x01bK\x02b.", "new(@m:A, ()).build(1).build(2)")
c("Inst", b"(S'x'\nim\nA\n.", '@m:A("x")'); c("InstNoArgs", b"(im\nA\n.", "new(@m:A, ())"); c("InstNoMark", b"im\nA\n.", "MarkNotFound@0")
c("InstMarkBeforeName", b"i\x94.", "MarkNotFound@0"); c("InstNonAscii", b"(im\xc3\xa9\nA\n.", "UnicodeDecode@1")
c("Obj", b"(cm\nA\nK\x01o.", "@m:A(1)"); c("ObjEmpty", b"(o.", "StackUnderflow@1"); c("ObjNotCallable", b"(K\x01o.", "NotCallable@3")
c("NewObj", b"cm\nA\n)\x81.", "new(@m:A, ())"); c("NewObjNotType", b"N)\x81.", "NewobjClassNotType@2"); c("NewObjListArgs", b"cm\nA\n]\x81.", "NewobjArgsNotTuple@6")
c("NewObjArgs", b"cm\nA\nK\x01\x85\x81.", "new(@m:A, (1,))"); c("NewObjFunction", b"c_codecs\nencode\n)\x81.", "NewobjClassNotType@17")
c("NewObjEx", b"cm\nA\n)}\x92.", "new(@m:A, ())"); c("NewObjExKwargs", b"cm\nA\n)}\x8c\x01kK\x01s\x92.", 'new(@m:A, (), {"k": 1})')
c("NewObjExNoneKwargs", b"cm\nA\n)N\x92.", "NewobjKwargsNotDict@7"); c("NewObjExIntKey", b"cm\nA\n)}K\x01K\x02s\x92.", "KeywordsNotStrings@12")
c("NewObjSetIgnoresArgs", b"cbuiltins\nset\n](K\x01e\x85\x81.", "set()"); c("NewObjByteArrayEmpty", b"cbuiltins\nbytearray\nC\x01a\x85\x81.", 'bytearray(b"")')
c("StubOps", b"cm\nA\n)\x81(K\x01e(K\x02K\x03u(K\x04\x90.", "new(@m:A, ()).append(1).setitem(2, 3).add(4)")
c("SetItemOnClass", b"cm\nA\nK\x01K\x02s.", "NoItemAssignment@9")
c("MemoizeEmpty", b"\x94.", "StackUnderflow@0"); c("Tuple2Underflow", b"K\x01\x86.", "StackUnderflow@2")
c("LongBinGetMissing", b"j\x01\x00\x00\x00.", "MemoMissing@0"); c("LongBinGet", b"Nr\x00\x01\x00\x00j\x00\x01\x00\x00\x86.", "(None, None)")
c("BinPutEmpty", b"q\x00.", "StackUnderflow@0"); c("BinPutTruncated", b"Nq", "Truncated@1"); c("LongBinPutTruncated", b"Nr\x00\x00", "Truncated@1")
c("BinUnicode8", b"\x8d\x03" + b"\x00"*7 + b"abc.", '"abc"'); c("BinUnicode8Truncated", b"\x8d\x05" + b"\x00"*7 + b"abc.", "Truncated@0")
# PROTO / STOP / FRAME
c("Proto", b"\x80\x05N.", "None"); c("ProtoUnsupported", b"\x80\x06N.", "UnsupportedProtocol@0"); c("ProtoTruncated", b"\x80", "Truncated@0")
c("ProtoTwice", b"N\x80\x02.", "None"); c("StopEmpty", b".", "StackUnderflow@0"); c("StopOnMark", b"(.", "UnexpectedMark@1"); c("StopMarkOnTop", b"N(.", "UnexpectedMark@2")
c("StopMarkBelow", b"(N.", "None"); c("StopIgnoresTrailing", b"N.junk", "None"); c("StopDeeperItems", b"NK\x01.", "1")
c("Empty", b"", "EndOfInput@0"); c("RanOutOfInput", b"N", "EndOfInput@1"); c("UnknownOpcode", b"z", "UnknownOpcode@0"); c("UnknownOpcodeNul", b"\x00", "UnknownOpcode@0")
c("FrameStraddle", bytes.fromhex("95020000000000000049310a2e"), "1"); c("FrameTooLong", b"\x95\x05" + b"\x00"*7 + b"N.", "Truncated@0")
c("FrameOverflow", b"\x95" + b"\x00"*7 + b"\x80N.", "FrameOverflow@0"); c("FrameNested", bytes.fromhex("950b000000000000009502000000000000004e2e"), "None")
c("FrameZero", b"\x95" + Z8 + b"N.", "None"); c("FrameHeaderTruncated", b"\x95\x02\x00", "Truncated@0")
# persistent ids
c("PersId", b"Pabc\n.", 'persid("abc")'); c("PersIdDisabled", b"Pabc\n.", "NoPersistentLoad@0", persistent_load=False)
c("PersIdNotAscii", b"P\xff\n.", "PersIdNotAscii@0"); c("BinPersId", b"K\x01Q.", "persid(1)"); c("BinPersIdUnderflow", b"Q.", "StackUnderflow@0")
c("BinPersIdDisabledBeforePop", b"Q.", "NoPersistentLoad@0", persistent_load=False)

def options_text(opt):
    parts = []
    if "encoding" in opt:
        parts.append("enc=" + opt["encoding"])
    if "errors" in opt:
        parts.append("err=" + opt["errors"])
    if "fix_imports" in opt:
        parts.append("fix=0")
    if "persistent_load" in opt:
        parts.append("pers=0")
    if "buffers" in opt:
        parts.append("buf=" + ";".join("%s%s" % ("r" if ro else "w", d.hex()) for d, ro in opt["buffers"]))
    return ",".join(parts)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "harness", "pickle", "testdata", "decoder_cases.tsv")
    names = set()
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Generated by scripts/gen_decoder_cases.py; edit the cases there.\n")
        f.write("# name\toptions\thex\texpected\n")
        for name, data, exp, opt in C:
            if exp is None:
                continue
            assert name not in names, name
            names.add(name)
            f.write("%s\t%s\t%s\t%s\n" % (name, options_text(opt), data.hex(), exp))
    print("%d cases -> %s" % (len(names), path))


if __name__ == "__main__":
    main()
