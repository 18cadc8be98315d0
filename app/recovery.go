package app

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"bartedit/canvas"
)

// Recovery keeps a copy of the work in progress in the user's cache
// folder, so a crash loses at most a few seconds: the UI calls Snapshot
// periodically (it writes only when the document changed, on its own
// goroutine), Clear on a clean exit; at the next start, Orphans lists what
// sessions that did not exit cleanly left behind.
//
// Each process writes one folder, Dir/<pid>, holding image.png,
// mask.png and info.json (written last: a folder without it is
// incomplete and ignored).
type Recovery struct {
	Dir string
	pid int

	mu      sync.Mutex
	writing bool
	last    uint64 // document version last written
	lastDoc *Document
	err     error
	seq     int
}

// RecoveryInfo describes one recovered session.
type RecoveryInfo struct {
	Dir    string    `json:"-"`
	PID    int       `json:"pid"`
	Path   string    `json:"path"`   // the file the work came from ("" if new)
	Format string    `json:"format"` // its format
	Dirty  bool      `json:"dirty"`  // the picture had unsaved changes
	Saved  time.Time `json:"saved"`
	Width  int       `json:"width"`
	Height int       `json:"height"`
}

// DefaultRecoveryDir is os.UserCacheDir()/bartedit/recovery.
func DefaultRecoveryDir() (string, error) {
	c, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(c, "bartedit", "recovery"), nil
}

// NewRecovery keeps this process's recovery data under dir.
func NewRecovery(dir string) *Recovery { return &Recovery{Dir: dir, pid: os.Getpid()} }

func (r *Recovery) own() string { return filepath.Join(r.Dir, strconv.Itoa(r.pid)) }

// Snapshot starts writing d in the background if it changed since the
// last write and no write is in progress; it copies what it needs first,
// so it must run on the goroutine that owns d. A document with nothing
// worth recovering (saved, empty mask) clears instead. It reports whether
// a write started.
func (r *Recovery) Snapshot(d *Document) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.writing || (d == r.lastDoc && d.Version() == r.last) {
		return false
	}
	r.lastDoc, r.last = d, d.Version()
	if !d.Dirty() && d.Mask.Empty() {
		os.RemoveAll(r.own())
		return false
	}
	img := canvas.CopyRect(d.Image, d.Image.Bounds())
	mask := d.Mask.Clone()
	sz := d.Size()
	info := RecoveryInfo{PID: r.pid, Path: d.Path, Format: d.Format, Dirty: d.Dirty(), Saved: time.Now(), Width: sz.X, Height: sz.Y}
	r.writing = true
	r.seq++
	seq := r.seq
	go func() {
		err := r.write(img, mask, info, seq)
		r.mu.Lock()
		r.writing, r.err = false, err
		r.mu.Unlock()
	}()
	return true
}

// Wait blocks until a write in progress has finished and returns its
// error (for tests and for a clean shutdown).
func (r *Recovery) Wait() error {
	for {
		r.mu.Lock()
		w, err := r.writing, r.err
		r.mu.Unlock()
		if !w {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *Recovery) write(img image.Image, mask *canvas.Mask, info RecoveryInfo, seq int) error {
	if err := os.MkdirAll(r.Dir, 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(r.Dir, fmt.Sprintf(".%d-%d.tmp", r.pid, seq))
	os.RemoveAll(tmp)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}
	fail := func(err error) error { os.RemoveAll(tmp); return err }
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	g := image.NewGray(mask.Bounds())
	copy(g.Pix, mask.Pix)
	for name, im := range map[string]image.Image{"image.png": img, "mask.png": g} {
		if err := writeFile(filepath.Join(tmp, name), func(f *os.File) error {
			w := bufio.NewWriter(f)
			if err := enc.Encode(w, im); err != nil {
				return err
			}
			return w.Flush()
		}); err != nil {
			return fail(err)
		}
	}
	if err := writeFile(filepath.Join(tmp, "info.json"), func(f *os.File) error {
		return json.NewEncoder(f).Encode(info)
	}); err != nil {
		return fail(err)
	}
	os.RemoveAll(r.own())
	if err := os.Rename(tmp, r.own()); err != nil {
		return fail(err)
	}
	return nil
}

func writeFile(path string, fn func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Clear removes this process's recovery data (a clean exit, or the work
// was saved).
func (r *Recovery) Clear() {
	r.Wait()
	os.RemoveAll(r.own())
	r.mu.Lock()
	r.lastDoc = nil
	r.mu.Unlock()
}

// Orphans returns the recovery data of sessions that are no longer
// running, newest first.
func (r *Recovery) Orphans() []RecoveryInfo {
	entries, err := os.ReadDir(r.Dir)
	if err != nil {
		return nil
	}
	var out []RecoveryInfo
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() || pid == r.pid || processAlive(pid) {
			continue
		}
		dir := filepath.Join(r.Dir, e.Name())
		data, err := os.ReadFile(filepath.Join(dir, "info.json"))
		if err != nil {
			continue
		}
		var info RecoveryInfo
		if json.Unmarshal(data, &info) != nil {
			continue
		}
		info.Dir = dir
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Saved.After(out[j].Saved) })
	return out
}

// Restore opens recovered work as a document: the picture and mask as they
// were, the original file name, marked unsaved. The recovery data stays
// until Discard.
func Restore(info RecoveryInfo) (*Document, error) {
	img, _, err := canvas.LoadImage(filepath.Join(info.Dir, "image.png"), canvas.Limits{MaxPixels: -1})
	if err != nil {
		return nil, fmt.Errorf("recover: %w", err)
	}
	mimg, _, err := canvas.LoadImage(filepath.Join(info.Dir, "mask.png"), canvas.Limits{MaxPixels: -1})
	if err != nil {
		return nil, fmt.Errorf("recover: %w", err)
	}
	d := NewDocument(img, info.Path, info.Format)
	g, ok := mimg.(*image.Gray)
	if !ok || g.Rect.Size() != d.Size() {
		return nil, errors.New("recover: the mask does not match the picture")
	}
	copy(d.Mask.Pix, g.Pix)
	if info.Dirty {
		d.nextGen++
		d.gen = d.nextGen
	}
	d.version++
	return d, nil
}

// Discard deletes recovered data.
func Discard(info RecoveryInfo) error { return os.RemoveAll(info.Dir) }
