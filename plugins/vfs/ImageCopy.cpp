#include "ImageCopy.h"

#include "UniqueFd.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace rexray::vfs {

namespace {

[[noreturn]] void fail(int err, const std::string &what) {
  throw std::system_error(err, std::generic_category(), what);
}

// Errors that mean "this filesystem or kernel cannot do that", as opposed to
// a real I/O failure that no fallback would fix.
bool notSupported(int err) {
  return err == EOPNOTSUPP || err == ENOTTY || err == EINVAL || err == EXDEV || err == ENOSYS ||
         err == EPERM || err == EBADF;
}

void readWriteRange(int in, int out, off_t off, off_t end, const std::string &src,
                    const std::string &dst) {
  std::vector<char> buf(1 << 20);
  while (off < end) {
    const size_t want = static_cast<size_t>(std::min<off_t>(end - off, buf.size()));
    const ssize_t n = ::pread(in, buf.data(), want, off);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, "cannot read " + src);
    }
    if (n == 0) break; // the source shrank under us; what we have is all there is
    ssize_t done = 0;
    while (done < n) {
      const ssize_t w = ::pwrite(out, buf.data() + done, static_cast<size_t>(n - done), off + done);
      if (w < 0) {
        if (errno == EINTR) continue;
        fail(errno, "cannot write " + dst);
      }
      done += w;
    }
    off += n;
  }
}

// Copies [off, end) with copy_file_range while it works; once the kernel or
// filesystem refuses it, `rangeWorks` goes false and plain I/O takes over.
void rangeCopy(int in, int out, off_t off, off_t end, bool &rangeWorks, const std::string &src,
               const std::string &dst) {
  while (off < end && rangeWorks) {
    loff_t inOff = off, outOff = off;
    const ssize_t n =
        ::copy_file_range(in, &inOff, out, &outOff, static_cast<size_t>(end - off), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (notSupported(errno)) {
        rangeWorks = false;
        break;
      }
      fail(errno, "cannot copy " + src + " to " + dst);
    }
    if (n == 0) return; // the source shrank under us; what we have is all there is
    off += n;
  }
  if (off < end) readWriteRange(in, out, off, end, src, dst);
}

CopyMethod copyData(int in, int out, off_t size, const std::string &src, const std::string &dst) {
  bool rangeWorks = true;
  off_t pos = 0;
  while (pos < size) {
    off_t dataStart = ::lseek(in, pos, SEEK_DATA);
    if (dataStart < 0) {
      if (errno == ENXIO) break; // only a hole remains, and ftruncate made it
      if (errno != EINVAL) fail(errno, "cannot seek in " + src);
      // No SEEK_DATA support: treat the rest as data.
      rangeCopy(in, out, pos, size, rangeWorks, src, dst);
      break;
    }
    off_t dataEnd = ::lseek(in, dataStart, SEEK_HOLE);
    if (dataEnd < 0) fail(errno, "cannot seek in " + src);
    if (dataEnd > size) dataEnd = size;
    rangeCopy(in, out, dataStart, dataEnd, rangeWorks, src, dst);
    pos = dataEnd;
  }
  return rangeWorks ? CopyMethod::Range : CopyMethod::ReadWrite;
}

} // namespace

const char *toString(CopyMethod method) {
  switch (method) {
  case CopyMethod::Clone: return "clone";
  case CopyMethod::Range: return "copy_file_range";
  case CopyMethod::ReadWrite: return "read/write";
  }
  return "unknown";
}

CopyMethod copyImage(const std::string &src, const std::string &dst, uint64_t minSize) {
  UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) fail(errno, "cannot open " + src);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) fail(errno, "cannot stat " + src);

  UniqueFd out(::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out) fail(errno, "cannot create " + dst);
  try {
    CopyMethod method = CopyMethod::Clone;
    if (::ioctl(out.get(), FICLONE, in.get()) != 0) {
      if (!notSupported(errno)) fail(errno, "cannot clone " + src + " to " + dst);
      // Sizing first keeps the tail hole a hole; the loop copies only data.
      if (::ftruncate(out.get(), st.st_size) != 0) fail(errno, "cannot size " + dst);
      method = copyData(in.get(), out.get(), st.st_size, src, dst);
    }
    if (minSize > static_cast<uint64_t>(st.st_size) &&
        ::ftruncate(out.get(), static_cast<off_t>(minSize)) != 0)
      fail(errno, "cannot grow " + dst);
    if (::fsync(out.get()) != 0) fail(errno, "cannot fsync " + dst);
    return method;
  } catch (...) {
    ::unlink(dst.c_str());
    throw;
  }
}

} // namespace rexray::vfs
