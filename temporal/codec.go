package temporal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync/atomic"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// refEncoding marks a payload that stands for one in the Store.
const refEncoding = "conclave/blob-ref"

// DefaultThreshold is the size over which a payload goes to the Store.
const DefaultThreshold = 2 << 10

// Codec is a payload codec that keeps workflow histories small: a payload
// over Threshold bytes (a patch, a question with its candidates, a
// Decision) is stored in Store under its content's hash and replaced in
// the history by a reference of about a hundred bytes; decoding fetches
// it back. The same content has the same key, so a payload sent twice is
// stored once, and a history replayed later finds its payloads again as
// long as the Store keeps them.
type Codec struct {
	Store Store
	// Threshold is the size over which a payload is stored; 0 is
	// DefaultThreshold.
	Threshold int

	// Counted bytes: what went into histories and into the Store.
	inline, stored, refs atomic.Int64
}

// Stats are what a Codec moved.
type Stats struct {
	// Inline are the bytes of payloads left in the history, Refs the
	// bytes of the references that replaced the others, Stored the bytes
	// those took in the Store.
	Inline, Refs, Stored int64
}

// Stats returns what the codec encoded so far.
func (c *Codec) Stats() Stats {
	return Stats{Inline: c.inline.Load(), Refs: c.refs.Load(), Stored: c.stored.Load()}
}

// Encode implements converter.PayloadCodec.
func (c *Codec) Encode(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
	limit := c.Threshold
	if limit <= 0 {
		limit = DefaultThreshold
	}
	out := make([]*commonpb.Payload, len(ps))
	for i, p := range ps {
		if len(p.GetData()) <= limit {
			out[i] = p
			c.inline.Add(int64(proto.Size(p)))
			continue
		}
		b, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("temporal: encoding a payload: %w", err)
		}
		sum := sha256.Sum256(b)
		key := "payloads/" + hex.EncodeToString(sum[:])
		if err := c.Store.Put(context.Background(), key, b); err != nil {
			return nil, err
		}
		out[i] = &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(refEncoding)}, Data: []byte(key)}
		c.stored.Add(int64(len(b)))
		c.refs.Add(int64(proto.Size(out[i])))
	}
	return out, nil
}

// Decode implements converter.PayloadCodec.
func (c *Codec) Decode(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(ps))
	for i, p := range ps {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != refEncoding {
			out[i] = p
			continue
		}
		b, err := c.Store.Get(context.Background(), string(p.GetData()))
		if err != nil {
			return nil, fmt.Errorf("temporal: a payload of the history is not in the blob store (was the store emptied?): %w", err)
		}
		var q commonpb.Payload
		if err := proto.Unmarshal(b, &q); err != nil {
			return nil, fmt.Errorf("temporal: blob %s is no payload: %w", p.GetData(), err)
		}
		out[i] = &q
	}
	return out, nil
}

// NewDataConverter returns the data converter of workers and clients: the
// SDK's default, with payloads over the codec's threshold kept in its
// Store. Workers and clients must use the same Store. A worker's
// workflow tasks call the Store too (an activity's input is encoded when
// the workflow schedules it): give workers [DeadlockTimeout]. (The SDK's
// workflow.DataConverterWithoutDeadlockDetection would be the tool, but
// in v1.48.0 its pause and a workflow task's end take two locks in
// opposite orders, and a batch of workflows hangs.)
func NewDataConverter(c *Codec) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}
