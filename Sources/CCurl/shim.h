// Typed wrappers over libcurl's variadic functions, which Swift cannot call directly.
#ifndef PAPERS_CCURL_SHIM_H
#define PAPERS_CCURL_SHIM_H

#include <curl/curl.h>

typedef size_t (*papers_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);
typedef int (*papers_curl_progress_callback)(void *context, curl_off_t download_total, curl_off_t downloaded,
                                             curl_off_t upload_total, curl_off_t uploaded);
typedef int (*papers_curl_seek_callback)(void *context, curl_off_t offset, int origin);

static inline CURLcode papers_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode papers_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode papers_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode papers_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode papers_curl_set_headers(CURL *handle, struct curl_slist *headers) {
    return curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
}
static inline CURLcode papers_curl_set_write_callback(CURL *handle, papers_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
static inline CURLcode papers_curl_set_read_callback(CURL *handle, papers_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}
static inline CURLcode papers_curl_set_header_callback(CURL *handle, papers_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}
static inline CURLcode papers_curl_set_progress_callback(CURL *handle, papers_curl_progress_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}
static inline CURLcode papers_curl_set_seek_callback(CURL *handle, papers_curl_seek_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, callback);
}
static inline CURLcode papers_curl_get_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline size_t papers_curl_read_abort(void) { return CURL_READFUNC_ABORT; }
static inline int papers_curl_seek_ok(void) { return CURL_SEEKFUNC_OK; }
static inline int papers_curl_seek_cannot(void) { return CURL_SEEKFUNC_CANTSEEK; }

#endif
