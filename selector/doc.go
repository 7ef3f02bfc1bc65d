// Package selector picks one patch among candidates.
package selector
