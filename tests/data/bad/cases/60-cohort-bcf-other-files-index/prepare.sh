bcftools view -Ob -o cohort.bcf cohort.vcf.gz && bcftools view -Ob -o chr1.bcf chr1.vcf.gz
bcftools index chr1.bcf && mv chr1.bcf.csi cohort.bcf.csi && touch -r cohort.bcf cohort.bcf.csi
