/*
 * floor.c - the least any tool can do to load a chain: open, read and
 * close every file of a folder, and nothing else.
 *
 *   floor DIR
 *
 * bench/profile.sh times it next to `migrate heads` on the same folder,
 * so the report shows how much of heads is file I/O that no parser can
 * save.  Prints the number of files and bytes read.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	struct dirent *de;
	long files = 0, bytes = 0;
	DIR *d;
	int dfd;

	if (argc != 2) {
		fprintf(stderr, "usage: floor DIR\n");
		return 2;
	}
	d = opendir(argv[1]);
	if (!d) {
		perror(argv[1]);
		return 1;
	}
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		ssize_t r;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dfd, de->d_name, O_RDONLY);
		if (fd < 0) {
			perror(de->d_name);
			closedir(d);
			return 1;
		}
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			bytes += r;
		close(fd);
		files++;
	}
	closedir(d);
	printf("%ld files, %ld bytes\n", files, bytes);
	return 0;
}
