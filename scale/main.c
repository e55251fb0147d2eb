/* cleanplate-scale: the waste station and its serial scales. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: cleanplate-scale COMMAND [options]\n\n"
               "The waste station of a CleanPlate canteen.\n\n"
               "  station --terminal CODE   weigh trays and kitchen waste\n"
               "  read --port DEV --protocol P [--settled]\n"
               "                            print readings of a scale as JSON lines\n"
               "  sim --protocol P          simulate a scale on a pseudo-terminal\n"
               "  list-ports                list serial ports\n"
               "  --help                    this text\n");
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    fprintf(stderr, "cleanplate-scale: '%s' is not available in this build yet (the scale "
                    "issue is in progress); see --help\n", argv[1]);
    return 2;
}
