#!/bin/sh
touch running
