/**
 * The protobuf messages of TensorBoard event files (TensorFlow's `Event` and `Summary`, the fields
 * used here, with their field numbers and oneofs), encoded with protobufjs.
 */
import type * as protobuf from 'protobufjs';

let eventType: protobuf.Type | null = null;

/** The `Event` message type, built on first use: protobufjs loads only in a process that writes or reads TensorBoard files. */
function EventType(): protobuf.Type {
  if (eventType) return eventType;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Root } = require('protobufjs') as typeof protobuf;
  eventType = Root.fromJSON(EVENT_PROTO).lookupType('tensorflow.Event');
  return eventType;
}

const EVENT_PROTO: protobuf.INamespace = {
  nested: {
    tensorflow: {
      nested: {
        Event: {
          // As in TensorFlow's event.proto: a member of a oneof is written even when it holds its default.
          oneofs: { what: { oneof: ['fileVersion', 'summary'] } },
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Image: {
              fields: {
                height: { type: 'int32', id: 1 },
                width: { type: 'int32', id: 2 },
                colorspace: { type: 'int32', id: 3 },
                encodedImageString: { type: 'bytes', id: 4 },
              },
            },
            Value: {
              // summary.proto puts simple_value in `oneof value`: a 0 is then encoded, not dropped as
              // a proto3 default (TensorBoard skips a value with no field, and hides a tag whose first is missing).
              oneofs: { value: { oneof: ['simpleValue', 'image'] } },
              fields: {
                tag: { type: 'string', id: 1 },
                simpleValue: { type: 'float', id: 2 },
                image: { type: 'Image', id: 4 },
              },
            },
          },
        },
      },
    },
  },
};

/** An image for an image summary (PNG bytes). */
export interface SummaryImage {
  height: number;
  width: number;
  /** 1 grey, 3 RGB, 4 RGBA. */
  colorspace: number;
  encodedImageString: Uint8Array;
}

/** The fields of an `Event` written here. */
export interface EventFields {
  wallTime: number;
  step?: number;
  fileVersion?: string;
  summary?: { value: Array<{ tag: string; simpleValue?: number; image?: SummaryImage }> };
}

/** Encodes an `Event` message. */
export function encodeEvent(event: EventFields): Uint8Array {
  const type = EventType();
  const error = type.verify(event);
  if (error) throw new Error(`encodeEvent: ${error}`);
  return type.encode(type.create(event)).finish();
}

/** Decodes an `Event` message (used to read files back). */
export function decodeEvent(bytes: Uint8Array): EventFields {
  const type = EventType();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Array }) as EventFields;
}
