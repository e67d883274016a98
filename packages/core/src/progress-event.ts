/**
 * Base shape of the events long-running work emits (`{type: 'sample-accepted', ...}`). Each package
 * defines a discriminated union of its own events on top of it; the CLI renders them and the API
 * streams them, so they must stay plain JSON-serializable data.
 */
export interface ProgressEvent {
  type: string;
  /** Milliseconds since the epoch, when the emitter records it. */
  timestamp?: number;
}

/** The listener option that long-running functions accept: `onEvent?: OnEvent<DatagenEvent>`. */
export type OnEvent<E extends { type: string }> = (event: E) => void;
