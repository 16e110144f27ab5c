package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/zstd"

	"github.com/podium-events/podium/templates"
)

// assets are the files under templates/static, read and compressed once, at start. They are
// served under a version named after their content (/static/<version>/kern/kern.css), so a
// browser keeps them for a year and asks again the moment any of them changed: the version is
// one for all files, because the stylesheets name the fonts beside them by relative URLs.
type assets struct {
	version string
	files   map[string]*asset
}

// asset is one file with its encodings.
type asset struct {
	contentType string
	etag        string // of the plain content; an encoding appends its name
	encodedBody
}

// encodedBody is a response body kept with its encodings (by Content-Encoding), each only if it
// is a tenth smaller than the plain body: fonts and images are compressed already.
type encodedBody struct {
	plain   []byte
	encoded map[string][]byte
}

// encodings in the order they are preferred, when the client accepts several equally.
var encodings = []string{"zstd", "gzip"}

// yearAge is how long a versioned asset is kept; an unversioned or outdated URL is checked every
// time, so a page from before an update still finds its files.
const (
	yearAge  = "public, max-age=31536000, immutable"
	checkAge = "public, no-cache"
)

// loadAssets reads and compresses the files once per process, however many servers it makes
// (the tests make hundreds): the files are built into the binary and never change.
var loadAssets = sync.OnceValues(readAssets)

func readAssets() (*assets, error) {
	root, err := fs.Sub(templates.FS, "static")
	if err != nil {
		return nil, err
	}
	a := &assets{files: map[string]*asset{}}
	all := sha256.New()
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		plain, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(plain)
		fmt.Fprintf(all, "%s %x\n", name, sum)
		body, err := encode(plain, gzip.BestCompression, zstd.SpeedBestCompression)
		if err != nil {
			return fmt.Errorf("web: compress %s: %w", name, err)
		}
		f := &asset{contentType: mime.TypeByExtension(path.Ext(name)), etag: `"` + hex.EncodeToString(sum[:8]) + `"`,
			encodedBody: body}
		if f.contentType == "" {
			f.contentType = "application/octet-stream"
		}
		a.files[name] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.version = hex.EncodeToString(all.Sum(nil)[:6])
	return a, nil
}

// encode compresses plain with gzip and zstd at the given levels.
func encode(plain []byte, gzipLevel int, zstdLevel zstd.EncoderLevel) (encodedBody, error) {
	b := encodedBody{plain: plain, encoded: map[string][]byte{}}
	gz, err := gzipped(plain, gzipLevel)
	if err != nil {
		return b, err
	}
	zs, err := zstdEncoder(zstdLevel)
	if err != nil {
		return b, err
	}
	for name, e := range map[string][]byte{"gzip": gz, "zstd": zs.EncodeAll(plain, nil)} {
		if len(e) < len(plain)*9/10 {
			b.encoded[name] = e
		}
	}
	return b, nil
}

// Compressors are kept and used again: making one costs more than compressing a page with it.
var (
	gzipWriters  sync.Map // level → *sync.Pool of *gzip.Writer
	zstdEncoders sync.Map // level → *zstd.Encoder, which compresses for many goroutines at once
)

func gzipped(plain []byte, level int) ([]byte, error) {
	pool, _ := gzipWriters.LoadOrStore(level, &sync.Pool{})
	var out bytes.Buffer
	w, _ := pool.(*sync.Pool).Get().(*gzip.Writer)
	if w == nil {
		var err error
		if w, err = gzip.NewWriterLevel(&out, level); err != nil {
			return nil, err
		}
	} else {
		w.Reset(&out)
	}
	defer pool.(*sync.Pool).Put(w)
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func zstdEncoder(level zstd.EncoderLevel) (*zstd.Encoder, error) {
	if e, ok := zstdEncoders.Load(level); ok {
		return e.(*zstd.Encoder), nil
	}
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level))
	if err != nil {
		return nil, err
	}
	if earlier, loaded := zstdEncoders.LoadOrStore(level, e); loaded {
		e.Close()
		return earlier.(*zstd.Encoder), nil
	}
	return e, nil
}

// choose picks the encoding of the body for the request, sets the headers for it and returns
// the bytes to send with its name ("" for the plain body). The response is then not compressed
// again on its way out.
func (b *encodedBody) choose(c *gin.Context) ([]byte, string) {
	h := c.Writer.Header()
	h.Set(gzhttp.HeaderNoCompression, "1")
	if len(b.encoded) == 0 {
		return b.plain, ""
	}
	h.Add("Vary", "Accept-Encoding")
	enc := acceptedEncoding(c.GetHeader("Accept-Encoding"), b.encoded)
	if enc == "" {
		return b.plain, ""
	}
	h.Set("Content-Encoding", enc)
	return b.encoded[enc], enc
}

// url is where a page links to the file name (a path below static/).
func (a *assets) url(name string) string {
	return "/static/" + a.version + "/" + name
}

// serve answers GET /static/*path: with the version, for a year; without it (or with an older
// one), for a check each time.
func (a *assets) serve(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("path"), "/")
	cache := checkAge
	if version, rest, ok := strings.Cut(name, "/"); ok && isVersion(version) {
		name = rest
		if version == a.version {
			cache = yearAge
		}
	}
	f := a.files[name]
	if f == nil {
		c.Status(http.StatusNotFound)
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", cache)
	h.Set("Content-Type", f.contentType)
	body, enc := f.choose(c)
	etag := f.etag
	if enc != "" {
		etag = strings.TrimSuffix(f.etag, `"`) + "-" + enc + `"`
	}
	h.Set("ETag", etag)
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, bytes.NewReader(body))
}

// favicon answers /favicon.ico, which browsers ask for whatever a page links to.
func (a *assets) favicon(c *gin.Context) {
	c.Params = append(c.Params, gin.Param{Key: "path", Value: "/favicon.png"})
	a.serve(c)
}

// isVersion tells a version segment (12 hex digits) from a directory name.
func isVersion(s string) bool {
	if len(s) != 12 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// acceptedEncoding picks, of the encodings at hand, the one the Accept-Encoding header gives the
// highest weight (RFC 9110 §12.5.3; "*" stands for any not named), or "" for none.
func acceptedEncoding(header string, have map[string][]byte) string {
	weights := map[string]float64{}
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		weights[strings.ToLower(coding)] = q
	}
	best, bestQ := "", 0.0
	for _, enc := range encodings {
		if have[enc] == nil {
			continue
		}
		q, named := weights[enc]
		if !named {
			q = weights["*"]
		}
		if q > bestQ {
			best, bestQ = enc, q
		}
	}
	return best
}
