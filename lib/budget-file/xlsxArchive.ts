/**
 * The zip archive of an XLSX workbook, held in memory and read through its central directory, so
 * that the order of its entries does not matter (zip entries may come in any order, and
 * exceljs' streaming reader fails or guesses when worksheets precede xl/workbook.xml).
 *
 * `orderedEntries` re-serves the parts a streaming reader needs in the order it needs them, each
 * inflated here, stored, with its sizes in its local header, and checked on the way: its CRC-32,
 * its size, and that its XML is not cut short.
 */
import { crc32, createInflateRaw } from "node:zlib";

/** One entry of the central directory. */
export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Where the entry's compressed bytes start. */
  dataOffset: number;
}

/** The entries of a zip archive by name, or why the bytes are not a readable one. */
export function zipEntries(bytes: Uint8Array): Map<string, ZipEntry> | { problem: string } {
  try {
    return readDirectory(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    // A field pointing past the end of the file.
    return CUT_SHORT;
  }
}

const CUT_SHORT = {
  problem:
    "the file is cut short or damaged (its zip directory is missing or broken): download or save it again",
};

function readDirectory(data: Buffer): Map<string, ZipEntry> | { problem: string } {
  const cutShort = CUT_SHORT;
  // The end of central directory record: 22 bytes and a comment of up to 65,535.
  let end = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 65535); i--) {
    if (data.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) return cutShort;
  let count = data.readUInt16LE(end + 10);
  let directoryOffset = data.readUInt32LE(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) {
    // ZIP64: the locator sits just before the record and points to the ZIP64 end record.
    const locator = end - 20;
    if (locator < 0 || data.readUInt32LE(locator) !== 0x07064b50) return cutShort;
    const record = Number(data.readBigUInt64LE(locator + 8));
    if (record + 56 > data.length || data.readUInt32LE(record) !== 0x06064b50) return cutShort;
    count = Number(data.readBigUInt64LE(record + 32));
    directoryOffset = Number(data.readBigUInt64LE(record + 48));
  }
  const entries = new Map<string, ZipEntry>();
  let at = directoryOffset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== 0x02014b50) return cutShort;
    const flags = data.readUInt16LE(at + 8);
    const method = data.readUInt16LE(at + 10);
    const crc = data.readUInt32LE(at + 16);
    let compressedSize = data.readUInt32LE(at + 20);
    let size = data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    let localOffset = data.readUInt32LE(at + 42);
    const name = data.toString("utf8", at + 46, at + 46 + nameLength);
    // ZIP64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = data.readUInt16LE(extra);
      const length = data.readUInt16LE(extra + 2);
      if (id === 0x0001) {
        let field = extra + 4;
        if (size === 0xffffffff) {
          size = Number(data.readBigUInt64LE(field));
          field += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(data.readBigUInt64LE(field));
          field += 8;
        }
        if (localOffset === 0xffffffff) localOffset = Number(data.readBigUInt64LE(field));
      }
      extra += 4 + length;
    }
    at = extraEnd + commentLength;
    if ((flags & 1) !== 0) {
      return {
        problem:
          "the workbook is encrypted (saved with a password): save a copy without a password",
      };
    }
    if (localOffset + 30 > data.length || data.readUInt32LE(localOffset) !== 0x04034b50)
      return cutShort;
    const dataOffset =
      localOffset + 30 + data.readUInt16LE(localOffset + 26) + data.readUInt16LE(localOffset + 28);
    if (dataOffset + compressedSize > data.length) return cutShort;
    entries.set(name, { name, method, crc, compressedSize, size, dataOffset });
  }
  return entries;
}

/** The whole content of one entry (for small parts such as xl/workbook.xml), checked. */
export async function entryBytes(bytes: Uint8Array, entry: ZipEntry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of inflated(bytes, entry)) chunks.push(chunk);
  const content = Buffer.concat(chunks);
  if (crc32(content) >>> 0 !== entry.crc >>> 0)
    throw new PartProblem(entry.name, "damaged (its checksum does not match)");
  return content;
}

async function* inflated(bytes: Uint8Array, entry: ZipEntry): AsyncGenerator<Buffer> {
  const compressed = Buffer.from(
    bytes.buffer,
    bytes.byteOffset + entry.dataOffset,
    entry.compressedSize,
  );
  if (entry.method === 0) {
    yield compressed;
    return;
  }
  if (entry.method !== 8) throw new PartProblem(entry.name, "compressed in a way Excel never uses");
  const inflate = createInflateRaw();
  // Fed in slices, so that a large worksheet is never inflated whole into memory.
  const feed = async () => {
    for (let at = 0; at < compressed.length; at += 256 * 1024) {
      if (!inflate.write(compressed.subarray(at, at + 256 * 1024))) {
        await new Promise<void>((resolve) => inflate.once("drain", resolve));
      }
    }
    inflate.end();
  };
  const feeding = feed().catch(() => undefined);
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } catch {
    throw new PartProblem(entry.name, "damaged (its compressed data cannot be read)");
  } finally {
    inflate.destroy();
    await feeding;
  }
}

/** A part of the archive that is damaged, found while it was re-served. */
export class PartProblem extends Error {
  constructor(
    readonly part: string,
    readonly problem: string,
  ) {
    super(`${part} is ${problem}`);
    this.name = "PartProblem";
  }
}

/**
 * A part to re-serve: the archive (or other bytes) holding it, its entry there, the name to serve
 * it under, and the root element its XML closes.
 */
export interface ServedPart {
  bytes: Uint8Array;
  entry: ZipEntry;
  name: string;
  root: string;
}

/**
 * The given parts as a zip stream, in the given order, each stored with its sizes in its local
 * header. A damaged part (bad CRC-32, wrong size, XML cut short) is recorded in `problems` and
 * still served to its announced size, so the reader reading the stream never waits on bytes that
 * will not come; the caller checks `problems` once the reader is done.
 */
export async function* orderedEntries(
  parts: readonly ServedPart[],
  problems: PartProblem[],
): AsyncGenerator<Buffer> {
  for (const part of parts) {
    const name = Buffer.from(part.name, "utf8");
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(0x0800, 6); // the name is UTF-8
    header.writeUInt16LE(0, 8); // stored
    header.writeUInt16LE(0x21, 12); // 1980-01-01
    header.writeUInt32LE(part.entry.crc, 14);
    header.writeUInt32LE(part.entry.size, 18);
    header.writeUInt32LE(part.entry.size, 22);
    header.writeUInt16LE(name.length, 26);
    yield Buffer.concat([header, name]);

    let served = 0;
    let crc = 0;
    let tail = "";
    try {
      for await (const chunk of inflated(part.bytes, part.entry)) {
        crc = crc32(chunk, crc);
        tail = (tail + chunk.toString("latin1", Math.max(0, chunk.length - 64))).slice(-64);
        const room = part.entry.size - served;
        if (room <= 0) continue;
        const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
        served += piece.length;
        yield piece;
      }
    } catch (error) {
      problems.push(
        error instanceof PartProblem ? error : new PartProblem(part.entry.name, "damaged"),
      );
    }
    if (problems.length === 0) {
      if (crc >>> 0 !== part.entry.crc >>> 0 || served !== part.entry.size) {
        problems.push(new PartProblem(part.entry.name, "damaged (its checksum does not match)"));
      } else if (!new RegExp(`</(?:[\\w.-]+:)?${part.root}>\\s*$`).test(tail)) {
        problems.push(new PartProblem(part.entry.name, "cut short (its XML does not end)"));
      }
    }
    if (served < part.entry.size) {
      // Filler up to the announced size: spaces, which an XML reader skips.
      for (let left = part.entry.size - served; left > 0; left -= 65536)
        yield Buffer.alloc(Math.min(left, 65536), 0x20);
    }
  }
  // An end record (of an empty directory): a streaming zip reader waits for one after the last
  // entry, and fails when the stream simply ends.
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  yield end;
}
