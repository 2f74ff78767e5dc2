/**
 * The protobuf messages of TensorBoard event files (TensorFlow's `Event` and `Summary`, the fields
 * used here, with their field numbers and oneofs), encoded with protobufjs.
 */
import * as protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
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
});

const EventType = root.lookupType('tensorflow.Event');

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
  const error = EventType.verify(event);
  if (error) throw new Error(`encodeEvent: ${error}`);
  return EventType.encode(EventType.create(event)).finish();
}

/** Decodes an `Event` message (used to read files back). */
export function decodeEvent(bytes: Uint8Array): EventFields {
  return EventType.toObject(EventType.decode(bytes), { longs: Number, bytes: Array }) as EventFields;
}
