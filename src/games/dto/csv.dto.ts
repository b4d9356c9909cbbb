import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MinLength } from 'class-validator';

export type ImportMode = 'merge' | 'replace';

export class ImportCsvQuery {
  @ApiPropertyOptional({
    description:
      'For a `text/csv` body: `merge` adds and updates, `replace` also removes the games the file does not list.',
    enum: ['merge', 'replace'],
    default: 'merge',
  })
  @IsOptional()
  @IsIn(['merge', 'replace'])
  mode?: ImportMode;
}

/** The JSON form of an import; the raw form is a `text/csv` body with `?mode=`. */
export class ImportCsvJsonDto {
  @ApiProperty({
    description: 'The CSV file, header line first.',
    example: 'pack_name,title,min_players,max_players\nThe Jackbox Party Pack 9,Fibbage 4,2,8\n',
  })
  @MinLength(1)
  @IsString()
  csv!: string;

  @ApiPropertyOptional({
    description:
      '`merge` adds and updates, `replace` also removes the games the file does not list.',
    enum: ['merge', 'replace'],
    default: 'merge',
  })
  @IsOptional()
  @IsIn(['merge', 'replace'])
  mode?: ImportMode;
}

export class ImportResultDto {
  @ApiProperty({ description: 'The mode the import ran in.', enum: ['merge', 'replace'] })
  mode!: ImportMode;

  @ApiProperty({ description: 'Games added.', example: 2 })
  created!: number;

  @ApiProperty({ description: 'Games changed.', example: 5 })
  updated!: number;

  @ApiProperty({ description: 'Games listed exactly as they were.', example: 56 })
  unchanged!: number;

  @ApiProperty({ example: 0, description: 'replace: games the file does not list, removed.' })
  deleted!: number;

  @ApiProperty({
    example: 0,
    description: 'replace: unlisted games with session history, disabled instead.',
  })
  disabled!: number;
}
