import { SluiceError } from '../errors.ts';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro binary body. */
export const MAGIC_BYTE = 0;

export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}

export function unframe(payload: Buffer): { schemaId: number; body: Buffer } {
  if (payload.length < 5) {
    throw new SluiceError('SLUICE_ERR_SCHEMA_DECODE', `payload of ${payload.length} bytes is shorter than the 5-byte Confluent header`);
  }
  if (payload[0] !== MAGIC_BYTE) {
    throw new SluiceError('SLUICE_ERR_SCHEMA_DECODE', `payload starts with byte ${payload[0]}, not the Confluent magic byte 0`);
  }
  return { schemaId: payload.readInt32BE(1), body: payload.subarray(5) };
}
